// unpackd: every member of an archive in a bucket becomes an object of its own.
#include <CLI/CLI.hpp>
#include <array>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "cli/archive_location.h"
#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/extract_notifier.h"
#include "cli/printable.h"
#include "util/error.h"

namespace {

using namespace unpackd;

// The archive a failed run was about, for programs reading --json: its URL when the argument
// can be located, else the argument as given; empty before the command line named one.
std::string ArchiveForReport(const std::string& argument, const CliOptions& options) {
  if (argument.empty()) return "";
  try {
    return LocateArchive(argument, options).ToUrl();
  } catch (const std::exception&) {
    return argument;
  }
}

// One line on stderr, and with --json the same facts on stdout for programs.
int ReportError(const Error& e, const CliOptions& options, const std::string& archive_argument) {
  std::cerr << "unpackd: error: " << Printable(e.what()) << "\n";
  if (options.json) {
    nlohmann::json out = {{"status", "error"},
                          {"kind", ErrorKindName(e.kind())},
                          {"code", e.code()},
                          {"message", e.what()},
                          {"exit_code", ExitCodeFor(e.kind())}};
    if (std::string archive = ArchiveForReport(archive_argument, options); !archive.empty()) {
      out["archive"] = std::move(archive);
    }
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return ExitCodeFor(e.kind());
}

}  // namespace

namespace {

// Lambda runs a custom runtime's `bootstrap` without arguments; the package's bootstrap is this
// binary (scripts/package-lambda.sh), so that name means `unpackd lambda`.
bool RunAsBootstrap(int argc, char** argv) {
  if (argc != 1 || argv[0] == nullptr) return false;
  const std::string_view name(argv[0]);
  const size_t slash = name.rfind('/');
  return name.substr(slash == std::string_view::npos ? 0 : slash + 1) == "bootstrap";
}

}  // namespace

int main(int argc, char** argv) {
  std::string lambda_word = "lambda";
  std::array<char*, 3> bootstrap_argv{argv[0], lambda_word.data(), nullptr};
  if (RunAsBootstrap(argc, argv)) {
    argc = 2;
    argv = bootstrap_argv.data();
  }
  CLI::App app{"unpackd: extract ZIP archives in object stores, member by member, by streaming"};
  app.footer(std::string(kExitCodeHelp) +
             "\nLocations: s3://bucket/key, file:///root/bucket/key or a path under --root; a "
             "path to a zip outside any store is extracted beside it.");
  app.set_version_flag("--version", std::string("unpackd ") + UNPACKD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  CliOptions options;
  AddCommonOptions(app, options);

  std::string archive_url, to;
  auto* extract = app.add_subcommand("extract", "Extract one archive now");
  extract->add_option("archive", archive_url, "The archive's location")->required();
  extract->add_option("--to", to,
                      "Destination: a template such as '{dir}/{stem}/{path}' (the default), or a "
                      "location such as s3://bucket/prefix/{path}");
  NotifyOptions notify_options;
  extract->add_option("--notify", notify_options.specs,
                      "Tell a target how the job ended: webhook=URL (signed with "
                      "$UNPACKD_WEBHOOK_SECRET), slack=URL, lambda=FUNCTION, sns=TOPIC_ARN or "
                      "eventbridge=BUS (AWS credentials as for S3); repeatable "
                      "(docs/notifications.md)");
  extract->add_option("--notify-timeout", notify_options.timeout_seconds,
                      "Seconds each --notify target may take, retries included (default 60)");
  extract->footer(kExitCodeHelp);

  auto* inspect = app.add_subcommand(
      "inspect", "List members and safety findings without extracting (exit 3 if unsafe)");
  inspect->add_option("archive", archive_url, "The archive's location")->required();
  inspect->add_flag("--shards", options.shards,
                    "Also print how a fan-out splits the archive: the shards a fleet or a Step "
                    "Functions map would run (docs/scaling.md)");
  inspect->add_option("--max-shard-mib", options.max_shard_mib,
                      "With --shards: most uncompressed MiB in a shard (default 4096)");
  inspect->add_option("--max-shard-members", options.max_shard_members,
                      "With --shards: most members in a shard (default 20000)");
  inspect->footer(kExitCodeHelp);

  ServeOptions serve_options;
  auto* serve = app.add_subcommand(
      "serve", "Run the service: every archive that lands (local store or S3 events) is extracted");
  serve->add_option("--config", serve_options.config_path, "Configuration file (TOML)");
  serve->add_option("--state-dir", serve_options.state_dir, "Where the job store lives");
  serve->add_option("--listen", serve_options.listen,
                    "host:port for /healthz, /readyz, /metrics and pushed events");
  serve->add_option("--workers", serve_options.workers, "Jobs at once");
  serve->add_option("--grace", serve_options.grace_seconds,
                    "Seconds running jobs may take to finish after SIGTERM (default 30)");
  LambdaOptions lambda_options;
  auto* lambda = app.add_subcommand(
      "lambda", "Run as an AWS Lambda custom runtime (what the package's bootstrap does)");
  lambda->add_option("--config", lambda_options.config_path,
                     "Configuration file (TOML); default $UNPACKD_CONFIG, relative to "
                     "$LAMBDA_TASK_ROOT");
  lambda
      ->add_option("--max-invocations", lambda_options.max_invocations,
                   "Exit after answering this many invocations (tests)")
      ->group("");
  JobsOptions jobs_options;
  auto* jobs = AddJobsCommand(app, jobs_options);
  NotificationsOptions notifications_options;
  auto* notifications = AddNotificationsCommand(app, notifications_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help and --version
    // CLI11's own report is two lines without our prefix; scripts look for one.
    return ReportError(
        Error(ErrorKind::kUsage, std::string(e.what()) + " (run with --help for more information)",
              "invalid-arguments"),
        options, archive_url);
  }
  try {
    if (*extract) return RunExtract(archive_url, to, options, notify_options);
    if (*serve) return RunServe(serve_options, options);
    if (*lambda) return RunLambda(lambda_options, options);
    if (*jobs) return RunJobs(jobs_options, options);
    if (*notifications) return RunNotifications(notifications_options, options);
    return RunInspect(archive_url, options);
  } catch (const Error& e) {
    return ReportError(e, options, archive_url);
  } catch (const std::exception& e) {
    std::cerr << "unpackd: internal error: " << Printable(e.what()) << "\n";
    return kExitInternal;
  }
}
