#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/archive_location.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/extract_notifier.h"
#include "cli/printable.h"
#include "cli/progress_bar.h"
#include "extract/manifest_reader.h"
#include "io/source_streambuf.h"
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

// Prints `json` with the manifest at `ref` as its last field, "manifest": copied from the store
// as it is (JSON already), so a manifest of any length passes through without being held.
void PrintWithManifest(const nlohmann::json& json, ObjectStore& store, const ObjectRef& ref) {
  std::string head = json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  head.resize(head.rfind('}'));
  while (!head.empty() && (head.back() == '\n' || head.back() == ' ')) head.pop_back();
  std::cout << head << ",\n  \"manifest\": ";
  const auto manifest = store.OpenForRead(ref);
  SourceStreambuf bytes(*manifest);
  std::cout << &bytes << "}\n";
}

// Where members go. A location in --to ("s3://b/out/{path}", a path) names another bucket,
// and maybe another store; anything else is a key template within the archive's bucket.
struct DestinationChoice {
  StoreScheme scheme = StoreScheme::kLocal;
  std::string bucket;        // empty: the archive's
  std::string key_template;  // empty: the default
};

DestinationChoice ChooseDestination(const std::string& to, const CliOptions& options,
                                    const Location& archive) {
  DestinationChoice choice{archive.scheme, "", ""};
  if (to.empty()) return choice;
  if (!LooksLikeLocation(to)) {
    choice.key_template = to;
    return choice;
  }
  const Location dest = ParseLocation(to, options.LocalRoot());
  choice.scheme = dest.scheme;
  choice.bucket = dest.ref.bucket;
  choice.key_template = dest.ref.key;
  if (choice.key_template.find("{path}") == std::string::npos) {
    if (!choice.key_template.empty() && !choice.key_template.ends_with("/")) {
      choice.key_template += "/";
    }
    choice.key_template += "{path}";
  }
  return choice;
}

// "no retries", or "12 retries, 31.5 s waiting" (requests that waited together each count),
// then, when the server throttled, what that did to the requests in flight:
// "; 40 throttled, 144 requests at once cut to 8 (12 at the end)".
std::string RetrySummary(const RetryTotals& retries, const s3::ThrottleTotals& throttling) {
  if (retries.retries == 0) return "no retries";
  char waited[32];
  std::snprintf(waited, sizeof(waited), "%.1f", retries.waited_seconds);
  std::string summary = std::to_string(retries.retries) +
                        (retries.retries == 1 ? " retry, " : " retries, ") + waited + " s waiting";
  if (throttling.throttled > 0) {
    summary += "; " + std::to_string(throttling.throttled) + " throttled";
    if (throttling.concurrency_start > 0) {
      summary += ", " + std::to_string(throttling.concurrency_start) + " requests at once cut to " +
                 std::to_string(throttling.concurrency_min) + " (" +
                 std::to_string(throttling.concurrency_final) + " at the end)";
    }
  }
  return summary;
}

}  // namespace

int RunExtract(const std::string& archive_url, const std::string& to, const CliOptions& given,
               const NotifyOptions& notify) {
  const ArchiveLocation located = LocateArchive(archive_url, given);
  CliOptions options = given;
  options.root = located.local_root.string();  // every local location below is under it
  const Location& archive = located.location;
  const DestinationChoice destination = ChooseDestination(to, options, archive);
  const StoreScheme dest_scheme = destination.scheme;
  const bool remote = archive.scheme == StoreScheme::kS3 || dest_scheme == StoreScheme::kS3;
  const MemoryPlan plan = ToMemoryPlan(options, remote, dest_scheme == StoreScheme::kS3);
  ExtractJob job = ToExtractJob(options, archive.ref, plan);
  job.destination_template = destination.key_template;
  job.destination_bucket = destination.bucket;

  const s3::S3Config s3 = ToS3Config(options, plan);
  // The AWS targets share the S3 store's credentials, profile, region and CA bundle.
  ExtractNotifier notifier(notify, {s3.credentials, s3.profile, s3.region, s3.ca_bundle});
  ProgressBar bar(!options.json && !options.no_progress);
  CliRuntime runtime(options, plan);
  JobServices services;
  services.source_store = &runtime.stores.For(archive.scheme);
  services.destination_store = &runtime.stores.For(dest_scheme);
  services.executor = &runtime.executor;
  services.progress = bar.active() ? &bar : nullptr;
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::optional<ExtractResult> finished;
  try {
    finished = RunExtractJob(job, services);
  } catch (const Error& e) {
    // The extraction's exit code stands whatever the delivery does; its outcome is printed.
    notifier.Failed(job, e, elapsed(), false);
    throw;
  }
  const ExtractResult& result = *finished;
  // A shard that did not complete the set has nothing to announce: the one that did, does.
  const bool notified =
      !result.EndsTheJob() || notifier.Succeeded(job, result, elapsed(), options.json);
  const int exit_code = notified ? kExitOk : kExitNotifyFailed;

  const Location manifest_location{dest_scheme, result.job.manifest};
  const RetryTotals retries = runtime.stores.retry_totals();
  const s3::ThrottleTotals throttling = runtime.stores.throttle_totals();
  if (options.json) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : result.findings) findings.push_back(FindingJson(f));
    const char* status = result.already_complete ? "already-complete"
                         : result.EndsTheJob()   ? "extracted"
                                                 : "shard-done";
    nlohmann::json out = {{"status", status},
                          {"archive", located.ToUrl()},
                          {"job_id", result.job.id},
                          {"manifest_key", result.job.manifest.key},
                          {"manifest_url", manifest_location.ToUrl(options.LocalRoot())},
                          {"destination_bucket", result.job.manifest.bucket},
                          {"members_written", result.members_written},
                          {"members_reused", result.members_reused},
                          {"members_server_copied", result.members_server_copied},
                          {"bytes_server_copied", result.bytes_server_copied},
                          {"members_crc_unchecked", result.members_crc_unchecked},
                          {"objects_pruned", result.objects_pruned},
                          {"seconds", result.seconds},
                          {"retries", retries.retries},
                          {"retry_wait_seconds", retries.waited_seconds},
                          {"throttled", throttling.throttled},
                          {"concurrency_start", throttling.concurrency_start},
                          {"concurrency_min", throttling.concurrency_min},
                          {"concurrency_final", throttling.concurrency_final},
                          {"concurrency_latency_cuts", throttling.latency_cuts},
                          {"findings", findings}};
    if (!notifier.empty()) out["notifications"] = notifier.outcomes();
    if (result.shard) {
      const ShardResult& shard = *result.shard;
      out["shard"] = {{"index", shard.spec.index},
                      {"count", shard.spec.count},
                      {"members", {shard.range.begin, shard.range.end}},
                      {"bytes", shard.range.bytes},
                      {"recorded_before", shard.recorded_before},
                      {"records_seen", shard.records_seen},
                      {"committed", shard.committed}};
    }
    if (!result.EndsTheJob() && !result.already_complete) {
      std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return exit_code;
    }
    PrintWithManifest(out, *services.destination_store, result.job.manifest);
    return exit_code;
  }
  if (!result.EndsTheJob() && !result.already_complete) {
    const ShardResult& shard = *result.shard;
    std::cout << "shard " << shard.spec.ToString() << ": members " << shard.range.begin << "-"
              << shard.range.end << " ("
              << (shard.recorded_before
                      ? "already done by an earlier run"
                      : std::to_string(result.members_written) + " written, " +
                            std::to_string(result.members_reused) + " already present")
              << "); " << shard.records_seen << " of " << shard.spec.count
              << " shards done, the last to finish writes the manifest\n";
    return exit_code;
  }
  if (result.already_complete) {
    std::cout << "already extracted: " << Printable(manifest_location.ToUrl(options.LocalRoot()))
              << " is complete for this archive version (etag "
              << Printable(result.manifest.source_etag) << "); nothing to do\n";
    return exit_code;
  }
  ForEachManifestMember(*services.destination_store, result.job.manifest,
                        [](const ManifestMember& m) {
                          std::cout << Printable(m.key) << "\t" << m.size << "\t"
                                    << Printable(m.content_type) << "\n";
                          return true;
                        });
  for (const auto& f : result.findings) {
    std::cerr << SeverityName(f.severity) << ": " << Printable(f.ToString()) << "\n";
  }
  std::cout << "extracted " << result.manifest.member_count << " members ("
            << result.members_written << " written, " << result.members_reused
            << " already present, " << result.manifest.skipped_count << " skipped, "
            << result.manifest.total_bytes << " bytes) in " << result.seconds << " s; "
            << RetrySummary(retries, throttling) << "\n";
  if (result.members_server_copied > 0) {
    std::cout << "copied " << result.members_server_copied << " stored members ("
              << result.bytes_server_copied << " bytes) on the server";
    if (result.members_crc_unchecked > 0) {
      std::cout << "; the CRC-32 of " << result.members_crc_unchecked
                << " was not checked (--copy-check=trust)";
    }
    std::cout << "\n";
  }
  if (result.objects_pruned > 0) {
    std::cout << "pruned " << result.objects_pruned
              << " objects an older version of the archive had left\n";
  }
  std::cout << "manifest: " << Printable(manifest_location.ToUrl(options.LocalRoot())) << "\n";
  return exit_code;
}

}  // namespace unpackd
