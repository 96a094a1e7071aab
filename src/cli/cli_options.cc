#include "cli/cli_options.h"

#include <algorithm>
#include <cstdlib>

#include "archive/name_decoding.h"
#include "store/local_store.h"
#include "store/s3/s3_config.h"
#include "store/s3/s3_store.h"
#include "util/error.h"

namespace unpackd {

std::filesystem::path CliOptions::LocalRoot() const {
  if (!root.empty()) return root;
  if (const char* env = std::getenv("UNPACKD_ROOT"); env && *env) return env;
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
  app.add_option("-j,--jobs", o.jobs,
                 "Members processed at once (default: hardware threads; 64 when S3 is involved)");
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

ObjectStore& StoreSet::For(StoreScheme scheme) {
  if (scheme == StoreScheme::kLocal) {
    if (!local_) local_ = MakeLocalStore(options_.LocalRoot());
    return *local_;
  }
  if (!s3_) s3_ = s3::MakeS3Store(ToS3Config(options_));
  return *s3_;
}

s3::S3Config ToS3Config(const CliOptions& o) {
  // Environment first (AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_PROFILE, ...), flags override.
  s3::S3Config config = s3::S3ConfigFromEnvironment();
  if (!o.endpoint.empty()) config.endpoint = o.endpoint;
  if (!o.region.empty()) config.region = o.region;
  if (!o.profile.empty()) config.profile = o.profile;
  if (o.path_style == "on") config.path_style = true;
  if (o.path_style == "off") config.path_style = false;
  // 3/8 of --memory for part buffers, 3/8 for the reader (see ToExtractOptions); the last
  // quarter is headroom for what no budget counts: thread stacks, malloc arenas, curl.
  config.memory_budget = (o.memory_mib << 20) * 3 / 8;
  // Every job may hold a ranged GET and a part upload at once; leave room for both.
  config.max_connections = std::max<size_t>(
      config.max_connections, 2 * static_cast<size_t>(o.jobs) + config.upload_concurrency);
  return config;
}

ExtractOptions ToExtractOptions(const CliOptions& o) {
  ExtractOptions e;
  e.jobs = o.jobs;
  // 3/8 of the budget for reading, 3/8 for the destination store's buffers (ToS3Config),
  // a quarter of headroom.
  e.read_memory_budget = (o.memory_mib << 20) * 3 / 8;
  e.limits = o.limits;
  e.limits.max_archive_ratio = o.limits.max_member_ratio;
  e.on_error = o.on_error == "skip" ? OnErrorPolicy::kSkip : OnErrorPolicy::kFail;
  e.open.names.forced_encoding = o.name_encoding;
  ValidateNameDecodingOptions(e.open.names);  // a typo fails before any request is made
  e.open.max_entries = o.limits.max_members;
  return e;
}

}  // namespace unpackd
