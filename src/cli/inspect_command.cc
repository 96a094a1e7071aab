#include <cstdio>
#include <iostream>

#include "archive/compression_method.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "pipeline/content_type.h"
#include "pipeline/plan.h"
#include "util/error.h"

namespace unpackd {
namespace {

std::string Ratio(const ZipEntry& e) {
  if (e.uncompressed_size == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%",
                100.0 * (1.0 - static_cast<double>(e.compressed_size) /
                                   static_cast<double>(e.uncompressed_size)));
  return buf;
}

std::string Kind(const ZipEntry& e) {
  if (e.is_directory()) return "dir";
  if (e.is_symlink()) return "symlink";
  if (e.is_special_file()) return "special";
  return "file";
}

}  // namespace

int RunInspect(const std::string& archive_url, const CliOptions& options) {
  const Location location = ParseLocation(archive_url, options.LocalRoot());
  StoreSet stores(options);
  ObjectStore& store = stores.For(location.scheme);
  auto source = store.OpenForRead(location.ref);
  const ExtractOptions extract = ToExtractOptions(options);
  std::unique_ptr<ZipArchive> archive;
  try {
    archive = ZipArchive::Open(*source, extract.open);
  } catch (const Error& e) {
    throw e.WithContext(location.ref.ToString());
  }
  const Destination destination =
      ExpandDestination(kDefaultDestinationTemplate, location.ref.bucket, location.ref.key);
  ExtractionPlan plan =
      MakePlan(*archive, destination, ContentTypeMap(extract.mime_types_path), extract.limits);
  // Local headers are checked too: a disagreement with the central directory is a finding.
  for (const ZipEntry& e : archive->entries()) {
    if (e.is_directory()) continue;
    try {
      archive->CheckDataDescriptor(e, archive->LocateMember(e));
    } catch (const Error& err) {
      plan.findings.push_back(
          Finding{Severity::kRefuse, "local-header", e.index, e.name, err.what()});
    }
  }
  const bool refused = plan.Refused(OnErrorPolicy::kFail);
  const auto& info = archive->info();

  if (options.json) {
    nlohmann::json members = nlohmann::json::array();
    for (const ZipEntry& e : archive->entries()) {
      char crc[16];
      std::snprintf(crc, sizeof crc, "%08x", e.crc32);
      members.push_back({{"index", e.index},
                         {"name", e.name},
                         {"name_encoding", e.name_encoding},
                         {"kind", Kind(e)},
                         {"method", CompressionMethodName(e.method)},
                         {"size", e.uncompressed_size},
                         {"compressed_size", e.compressed_size},
                         {"crc32", crc},
                         {"encrypted", e.is_encrypted()},
                         {"offset", e.local_header_offset}});
    }
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : plan.findings) findings.push_back(FindingJson(f));
    nlohmann::json out = {{"archive", location.ToUrl(options.LocalRoot())},
                          {"size", info.archive_size},
                          {"etag", source->info().etag},
                          {"zip64", info.zip64},
                          {"prepended_bytes", info.prepended_bytes},
                          {"name_encoding",
                           {{"legacy", info.names.legacy_encoding},
                            {"forced", info.names.forced},
                            {"reason", info.names.reason}}},
                          {"members", members},
                          {"total_bytes", plan.total_bytes},
                          {"findings", findings},
                          {"safe", !refused}};
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::printf("%s: %zu members, %llu bytes uncompressed%s\n", location.ref.ToString().c_str(),
                archive->entries().size(), static_cast<unsigned long long>(plan.total_bytes),
                info.zip64 ? ", ZIP64" : "");
    if (!info.names.legacy_encoding.empty()) {
      std::printf("names: %s%s (%s)\n", info.names.legacy_encoding.c_str(),
                  info.names.forced ? ", forced" : "", info.names.reason.c_str());
    }
    std::printf("%-9s %-8s %14s %14s %7s  %-10s %s\n", "method", "kind", "size", "compressed",
                "saved", "encoding", "name");
    for (const ZipEntry& e : archive->entries()) {
      std::printf("%-9s %-8s %14llu %14llu %7s  %-10s %s\n",
                  CompressionMethodName(e.method).c_str(), Kind(e).c_str(),
                  static_cast<unsigned long long>(e.uncompressed_size),
                  static_cast<unsigned long long>(e.compressed_size), Ratio(e).c_str(),
                  e.name_encoding.c_str(), e.name.c_str());
    }
    if (plan.findings.empty()) std::printf("findings: none\n");
    for (const auto& f : plan.findings) {
      std::printf("%s: %s\n", SeverityName(f.severity), f.ToString().c_str());
    }
  }
  return refused ? kExitRefused : kExitOk;
}

}  // namespace unpackd
