#include "cli/cli_options.h"

#include <algorithm>
#include <cstdlib>

#include "archive/names.h"
#include "util/env.h"
#include "util/error.h"

namespace unpackd {

std::filesystem::path CliOptions::LocalRoot() const {
  if (!root.empty()) return root;
  if (std::string env = GetEnv("UNPACKD_ROOT"); !env.empty()) return env;
  return std::filesystem::current_path();
}

void AddCommonOptions(CLI::App& app, CliOptions& o) {
  app.add_option("--root", o.root,
                 "Local store root: its top-level folders are buckets (default: $UNPACKD_ROOT, "
                 "else the current directory)");
  app.add_option("--endpoint", o.endpoint,
                 "S3 endpoint URL (default: $AWS_ENDPOINT_URL_S3, $AWS_ENDPOINT_URL, else AWS)");
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
  app.add_option("--name-encoding", o.name_encoding,
                 "Force the legacy encoding of names without the UTF-8 flag (cp437, cp949, "
                 "shift_jis, gbk, ...); default: detect");
  app.add_option("--max-members", o.limits.max_members, "Refuse archives with more members");
  app.add_option("--max-total-bytes", o.limits.max_total_bytes,
                 "Refuse archives whose members add up to more bytes");
  app.add_option("--max-ratio", o.limits.max_member_ratio,
                 "Refuse members (and archives) compressed more than this ratio");
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
  return config;
}

ExtractJob ToExtractJob(const CliOptions& o, const ObjectRef& archive, const MemoryPlan& plan) {
  ExtractJob job;
  job.archive = archive;
  job.memory = plan;
  job.limits = o.limits;
  job.limits.max_archive_ratio = o.limits.max_member_ratio;
  job.on_error = o.on_error == "skip" ? OnErrorPolicy::kSkip : OnErrorPolicy::kFail;
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
