#include "cli/cli_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>

#include "archive/names.h"
#include "net/endpoint_url.h"
#include "util/env.h"
#include "util/error.h"

namespace unpackd {

std::filesystem::path CliOptions::LocalRoot() const {
  if (!root.empty()) return root;
  if (std::string env = GetEnv("UNPACKD_ROOT"); !env.empty()) return env;
  return std::filesystem::current_path();
}

bool CliOptions::RootConfigured() const { return !root.empty() || !GetEnv("UNPACKD_ROOT").empty(); }

namespace {

// A ratio limit that turns the bomb check off must be asked for by name: 0, a negative number,
// nan or inf used to do it silently (the check compares with `ratio > 0`, and inf never trips).
double ParseRatioLimit(const std::string& text) {
  if (text == "off") return 0;  // disables the check (see ExtractionLimits)
  double ratio = 0;
  size_t used = 0;
  try {
    ratio = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(ratio) || ratio < 1) {
    throw CLI::ValidationError("--max-ratio", "'" + text +
                                                  "' is not a ratio limit: give a number of at "
                                                  "least 1, or 'off' to disable the check");
  }
  return ratio;
}

}  // namespace

void AddStateDirOption(CLI::App& command, std::string& state_dir) {
  command.add_option("--state-dir", state_dir,
                     "The service's state directory (default: $UNPACKD_STATE_DIR, else "
                     "./unpackd-state)");
}

void AddListOptions(CLI::App& list, std::string& state, size_t& limit,
                    const std::vector<std::string>& states, const std::string& what) {
  list.add_option("--state", state, "Only " + what + " in this state")
      ->check(CLI::IsMember(states));
  list.add_option("--limit", limit,
                  "At most this many " + what + " (default " + std::to_string(limit) + ")")
      ->check(CLI::Range(size_t{1}, size_t{1} << 40));
}

void AddCommonOptions(CLI::App& app, CliOptions& o) {
  app.add_option("--root", o.root,
                 "Local store root: its top-level folders are buckets (default: $UNPACKD_ROOT, "
                 "else the current directory)");
  // --endpoint-url is awscli's spelling.
  app.add_option("--endpoint,--endpoint-url", o.endpoint,
                 "S3 endpoint URL, http(s)://host[:port] (default: $AWS_ENDPOINT_URL_S3, "
                 "$AWS_ENDPOINT_URL, else AWS)")
      ->check(CLI::Validator(
          [](const std::string& url) { return net::EndpointUrlProblem(url).value_or(""); }, "URL"));
  app.add_option("--region", o.region, "S3 region (default: $AWS_REGION, profile, us-east-1)");
  app.add_option("--profile", o.profile, "AWS profile (default: $AWS_PROFILE)");
  app.add_option(
         "--path-style", o.path_style,
         "S3 addressing: auto (path style for custom endpoints and dotted buckets), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--retry-time", o.retry_time,
                 "Seconds S3 requests keep retrying through an outage (default: "
                 "$UNPACKD_RETRY_TIME, else 120)")
      ->type_name("SECONDS");
  app.add_option("--adaptive", o.adaptive,
                 "on: fewer S3 requests at once while the server throttles (503 SlowDown, 429), "
                 "more again as they succeed (default); off: always the full width")
      ->check(CLI::IsMember({"on", "off"}));
  // Each job is a thread of the executor's member lane and one of its I/O lane.
  app.add_option("-j,--jobs", o.jobs,
                 "Members processed at once, 1 to 1024 (default: hardware threads; 64 when S3 "
                 "is involved)")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--memory", o.memory_mib, "Memory budget in MiB (default 256)")
      ->check(CLI::Range(16, 1 << 20));
  app.add_option("--on-error", o.on_error,
                 "fail: any refused member refuses the whole archive (default); skip: extract the "
                 "rest and report refused members")
      ->check(CLI::IsMember({"fail", "skip"}));
  app.add_flag("--prune,!--no-prune", o.prune,
               "After a new archive version is extracted, delete the objects its older version "
               "left that the new manifest does not list (default: on; only objects whose "
               "metadata names this archive)");
  app.add_flag("--verify-first", o.verify_first,
               "tar and other streams: read the whole archive once to check it before writing "
               "anything (it is read twice); without it, a refusal met while streaming deletes "
               "what was written");
  app.add_option("--shard", o.shard,
                 "I/N: extract only shard I of N (0-based) of a ZIP's members, balanced by "
                 "bytes; the run whose shard completes the set writes the manifest (and "
                 "notifies). Every worker given the same archive and N agrees on the shards");
  app.add_option("--server-copy", o.server_copy,
                 "Stored (uncompressed) ZIP members of --server-copy-min MiB or more: auto: the "
                 "S3 server copies them from the archive (UploadPartCopy), streaming when it "
                 "cannot (default); on: fail when it cannot; off: always stream")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--server-copy-min", o.server_copy_min_mib,
                 "Smallest stored member copied by the server, in MiB (default 8)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  app.add_option("--copy-check", o.copy_check,
                 "CRC-32 of a server-copied member when the server returns none: read-back: "
                 "read the new object back and check it (default); trust: do not, and say so in "
                 "the manifest (crc_checked: false)")
      ->check(CLI::IsMember({"read-back", "trust"}));
  app.add_option("--name-encoding", o.name_encoding,
                 "Force the legacy encoding of names without the UTF-8 flag (cp437, cp949, "
                 "shift_jis, gbk, cp1251, koi8-r, cp866, ...); default: detect");
  app.add_option("--max-members", o.limits.max_members, "Refuse archives with more members");
  app.add_option("--max-total-bytes", o.limits.max_total_bytes,
                 "Refuse archives whose members add up to more bytes");
  app.add_option_function<std::string>(
         "--max-ratio",
         [&o](const std::string& text) { o.limits.max_member_ratio = ParseRatioLimit(text); },
         "Refuse members (and archives) compressed more than this ratio, at least 1 (default "
         "2000); 'off' disables the check")
      ->type_name("RATIO|off");
  app.add_flag("--json", o.json, "Print a machine-readable result on stdout");
  app.add_flag("--no-progress", o.no_progress, "Never draw a progress bar");
}

MemoryPlan ToMemoryPlan(const CliOptions& o, bool remote_store, bool remote_destination) {
  MemoryPlanRequest request;
  request.memory_bytes = o.memory_mib << 20;
  request.jobs = o.jobs;
  request.remote_store = remote_store;
  request.remote_destination = remote_destination;
  return MakeMemoryPlan(request);
}

s3::S3Config ToS3Config(const CliOptions& o, const MemoryPlan& plan) {
  // Environment first (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_PROFILE, ...), flags override.
  s3::S3Config config = s3::S3ConfigFromEnvironment();
  if (!o.endpoint.empty()) config.endpoint = o.endpoint;
  if (!o.region.empty()) config.region = o.region;
  if (!o.profile.empty()) config.profile = o.profile;
  if (o.path_style == "on") config.path_style = true;
  if (o.path_style == "off") config.path_style = false;
  if (!o.retry_time.empty())
    config.retry.time_budget = s3::ParseRetryTime(o.retry_time, "--retry-time");
  config.max_connections = std::max(config.max_connections, plan.max_connections);
  config.adaptive_concurrency = o.adaptive != "off";
  return config;
}

ExtractJob ToExtractJob(const CliOptions& o, const ObjectRef& archive, const MemoryPlan& plan) {
  ExtractJob job;
  job.archive = archive;
  job.memory = plan;
  job.limits = o.limits;
  job.limits.max_archive_ratio = o.limits.max_member_ratio;
  job.on_error = o.on_error == "skip" ? OnErrorPolicy::kSkip : OnErrorPolicy::kFail;
  job.prune = o.prune;
  job.verify_first = o.verify_first;
  if (!o.shard.empty()) job.shard = ParseShardSpec(o.shard);
  job.server_copy.mode = ParseServerCopyMode(o.server_copy);
  job.server_copy.min_size = o.server_copy_min_mib << 20;
  job.server_copy.check = ParseCopyCheck(o.copy_check);
  job.open.names.forced_encoding = o.name_encoding;
  ValidateNameDecodingOptions(job.open.names);  // a typo fails before any request is made
  job.open.max_entries = o.limits.max_members;
  return job;
}

CliRuntime::CliRuntime(const CliOptions& options, const MemoryPlan& plan)
    : executor(plan.executor_shape()),
      part_buffers(plan.part_buffers),
      stores(StoreEnvironment{options.LocalRoot(), ToS3Config(options, plan), &executor,
                              &part_buffers}) {}

}  // namespace unpackd
