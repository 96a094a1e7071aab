// The subcommands. Each returns the process exit code and throws unpackd::Error on failure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_options.h"  // also declares CLI::App

namespace unpackd {

struct NotifyOptions;  // cli/extract_notifier.h
int RunExtract(const std::string& archive_url, const std::string& to, const CliOptions& options,
               const NotifyOptions& notify);
int RunInspect(const std::string& archive_url, const CliOptions& options);

struct ServeOptions {
  std::string config_path;  // TOML (docs/serve.md); empty: defaults and environment only
  std::string state_dir;    // overrides the configuration's
  std::string listen;       // host:port; overrides the configuration's
  size_t workers = 0;       // 0: the configuration's
  double grace_seconds = 30;
};
// Runs the service until SIGTERM or SIGINT, then stops it gracefully and returns 0.
int RunServe(const ServeOptions& serve, const CliOptions& options);
// `unpackd lambda`: the AWS Lambda custom runtime (docs/lambda.md). Speaks the Runtime API at
// $AWS_LAMBDA_RUNTIME_API until Lambda ends the sandbox; a configuration that cannot work is
// reported as the init error and ends the process with its exit code.
struct LambdaOptions {
  std::string config_path;       // overrides $UNPACKD_CONFIG
  uint64_t max_invocations = 0;  // 0: until Lambda stops the sandbox (tests set a limit)
};
int RunLambda(const LambdaOptions& lambda, const CliOptions& options);

// `unpackd jobs list|show|retry`: the operator's view of the service's job store, opened
// directly (JobStore::OpenForOperator), so it works with or without a running service.
struct JobsOptions {
  std::string state_dir;  // empty: DefaultStateDir() ($UNPACKD_STATE_DIR, ./unpackd-state)
  std::string state;      // list: only jobs in this state
  size_t limit = 50;      // list: at most this many, newest first
  int64_t id = 0;         // show, retry
  enum class Action { kList, kShow, kRetry } action = Action::kList;  // the subcommand given
};
// Registers `jobs` and its subcommands on `app`, filling `jobs`; returns the `jobs` command.
CLI::App* AddJobsCommand(CLI::App& app, JobsOptions& jobs);
// Runs the subcommand given. Throws Error(kNotFound) for a missing store or job, Error(kUsage)
// for a job `retry` cannot requeue.
int RunJobs(const JobsOptions& jobs, const CliOptions& options);

// `unpackd notifications list|retry`: the operator's view of the service's notification outbox
// (JobStore's outbox), opened like `jobs`, so it works with or without a running service.
struct NotificationsOptions {
  std::string state_dir;  // empty: DefaultStateDir() ($UNPACKD_STATE_DIR, ./unpackd-state)
  std::string state;      // list: only entries in this state
  size_t limit = 50;      // list: at most this many, newest first
  int64_t id = 0;         // retry
  enum class Action { kList, kRetry } action = Action::kList;  // the subcommand given
};
// Registers `notifications` and its subcommands on `app`, filling `notifications`; returns the
// `notifications` command.
CLI::App* AddNotificationsCommand(CLI::App& app, NotificationsOptions& notifications);
// Runs the subcommand given. Throws Error(kNotFound) for a missing store or entry,
// Error(kUsage) for an entry `retry` cannot make pending (only dead entries can).
int RunNotifications(const NotificationsOptions& notifications, const CliOptions& options);

// A finding as JSON, shared by extract's and inspect's output.
nlohmann::json FindingJson(const Finding& f);

}  // namespace unpackd
