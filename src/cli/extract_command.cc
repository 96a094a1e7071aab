#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/progress_bar.h"
#include "util/error.h"

namespace unpackd {

nlohmann::json FindingJson(const Finding& f) {
  nlohmann::json j = {
      {"severity", SeverityName(f.severity)}, {"code", f.code}, {"message", f.message}};
  if (f.member) {
    j["member"] = f.member_name;
    j["index"] = *f.member;
  }
  return j;
}

namespace {

// Splits --to into a destination bucket/template. A location ("s3://b/out/{path}", a path)
// names another bucket; anything else is a template within the archive's bucket.
void ApplyDestination(const std::string& to, const CliOptions& options, const Location& archive,
                      ExtractOptions& extract, StoreScheme& dest_scheme) {
  dest_scheme = archive.scheme;
  if (to.empty()) return;
  if (!LooksLikeLocation(to)) {
    extract.destination_template = to;
    return;
  }
  const Location dest = ParseLocation(to, options.LocalRoot());
  dest_scheme = dest.scheme;
  extract.destination_bucket = dest.ref.bucket;
  std::string key_template = dest.ref.key;
  if (key_template.find("{path}") == std::string::npos) {
    if (!key_template.empty() && !key_template.ends_with("/")) key_template += "/";
    key_template += "{path}";
  }
  extract.destination_template = key_template;
}

}  // namespace

int RunExtract(const std::string& archive_url, const std::string& to, const CliOptions& options) {
  const Location archive = ParseLocation(archive_url, options.LocalRoot());
  if (archive.ref.key.empty()) {
    throw Error(ErrorKind::kUsage, "'" + archive_url + "' names a bucket, not an archive");
  }
  ExtractOptions extract = ToExtractOptions(options);
  StoreScheme dest_scheme;
  ApplyDestination(to, options, archive, extract, dest_scheme);
  if (extract.jobs == 0 &&
      (archive.scheme == StoreScheme::kS3 || dest_scheme == StoreScheme::kS3)) {
    // S3 work waits on round trips, not the CPU: enough members in flight to hide a
    // Lambda-like 20 ms per request (bench/RESULTS.md).
    extract.jobs = 64;
  }
  ProgressBar bar(!options.json && !options.no_progress);
  if (bar.active()) extract.on_progress = [&bar](const ExtractProgress& p) { bar.Update(p); };

  StoreSet stores(options);
  ObjectStore& source_store = stores.For(archive.scheme);
  ObjectStore& dest_store = stores.For(dest_scheme);
  const ExtractResult result = Extract(source_store, archive.ref, dest_store, extract);

  const Location manifest_location{dest_scheme, {result.destination_bucket, result.manifest_key}};
  if (options.json) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : result.findings) findings.push_back(FindingJson(f));
    nlohmann::json out = {{"status", result.already_complete ? "already-complete" : "extracted"},
                          {"archive", archive.ToUrl(options.LocalRoot())},
                          {"manifest_key", result.manifest_key},
                          {"manifest_url", manifest_location.ToUrl(options.LocalRoot())},
                          {"destination_bucket", result.destination_bucket},
                          {"members_written", result.members_written},
                          {"members_reused", result.members_reused},
                          {"seconds", result.seconds},
                          {"findings", findings},
                          {"manifest", result.manifest.ToJson()}};
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return kExitOk;
  }
  if (result.already_complete) {
    std::cout << "already extracted: " << manifest_location.ToUrl(options.LocalRoot())
              << " is complete for this archive version (etag " << result.manifest.source_etag
              << "); nothing to do\n";
    return kExitOk;
  }
  for (const auto& m : result.manifest.members) {
    std::cout << m.key << "\t" << m.size << "\t" << m.content_type << "\n";
  }
  for (const auto& f : result.findings) {
    std::cerr << SeverityName(f.severity) << ": " << f.ToString() << "\n";
  }
  std::cout << "extracted " << result.manifest.members.size() << " members ("
            << result.members_written << " written, " << result.members_reused
            << " already present, " << result.manifest.skipped.size() << " skipped, "
            << result.manifest.total_bytes << " bytes) in " << result.seconds << " s\n"
            << "manifest: " << manifest_location.ToUrl(options.LocalRoot()) << "\n";
  return kExitOk;
}

}  // namespace unpackd
