#include <cstdio>
#include <iostream>

#include "cli/archive_location.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/printable.h"
#include "extract/inspection.h"
#include "extract/shard_plan.h"
#include "util/error.h"

namespace unpackd {
namespace {

std::string Ratio(const ArchiveEntry& e) {
  if (e.size == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%",
                100.0 * (1.0 - static_cast<double>(e.stored_size) / static_cast<double>(e.size)));
  return buf;
}

const char* Kind(const ArchiveEntry& e) {
  switch (e.kind) {
    case EntryKind::kDirectory:
      return "dir";
    case EntryKind::kSymlink:
      return "symlink";
    case EntryKind::kHardLink:
      return "hardlink";
    case EntryKind::kSpecial:
      return "special";
    case EntryKind::kFile:
      break;
  }
  return "file";
}

}  // namespace

int RunInspect(const std::string& archive_url, const CliOptions& given) {
  const ArchiveLocation located = LocateArchive(archive_url, given);
  CliOptions options = given;
  options.root = located.local_root.string();
  const Location& location = located.location;
  MemoryPlan plan = ToMemoryPlan(options, location.scheme == StoreScheme::kS3, false);
  plan.jobs = 1;  // inspect reads the directory and headers on this thread; no member streams
  CliRuntime runtime(options, plan);
  const Inspection inspection =
      InspectJob(ToExtractJob(options, location.ref, plan), runtime.stores.For(location.scheme));
  const ArchiveReader& archive = *inspection.archive;
  const bool refused = inspection.Refused();
  const auto& info = archive.info();
  const auto& findings_list = inspection.plan.findings;
  // A stream has no directory to split by: one shard (extract_job.h).
  std::vector<ShardRange> shards;
  if (options.shards) {
    const uint32_t count = inspection.read_whole_stream
                               ? 1
                               : ShardCountFor(inspection.plan, {options.max_shard_mib << 20,
                                                                 options.max_shard_members});
    shards = SplitIntoShards(inspection.plan, archive.entries(), count);
  }
  const auto shard_name = [&](size_t i) {
    return ShardSpec{static_cast<uint32_t>(i), static_cast<uint32_t>(shards.size())}.ToString();
  };

  if (options.json) {
    nlohmann::json members = nlohmann::json::array();
    for (const ArchiveEntry& e : archive.entries()) {
      char crc[16] = "";
      if (e.crc32) std::snprintf(crc, sizeof crc, "%08x", *e.crc32);
      members.push_back({{"index", e.index},
                         {"name", e.name},
                         {"name_encoding", e.name_encoding},
                         {"kind", Kind(e)},
                         {"method", e.method_name},
                         {"size", e.size},
                         {"compressed_size", e.stored_size},
                         {"crc32", crc},
                         {"encrypted", !e.encryption.empty()},
                         {"offset", archive.ReadHint(e).begin}});
    }
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : findings_list) findings.push_back(FindingJson(f));
    nlohmann::json out = {{"archive", located.ToUrl()},
                          {"format", info.format},
                          {"size", info.size},
                          {"etag", inspection.source.etag},
                          {"zip64", info.zip64},
                          {"read_whole_stream", inspection.read_whole_stream},
                          {"prepended_bytes", info.prepended_bytes},
                          {"name_encoding",
                           {{"legacy", info.names.legacy_encoding},
                            {"forced", info.names.forced},
                            {"reason", info.names.reason}}},
                          {"members", members},
                          {"total_bytes", inspection.plan.total_bytes},
                          {"findings", findings},
                          {"safe", !refused}};
    if (options.shards) {
      out["shards"] = nlohmann::json::array();
      for (size_t i = 0; i < shards.size(); ++i) {
        out["shards"].push_back({{"shard", shard_name(i)},
                                 {"members", {shards[i].begin, shards[i].end}},
                                 {"bytes", shards[i].bytes}});
      }
    }
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::printf("%s: %zu members, %llu bytes uncompressed%s\n",
                Printable(location.ref.ToString()).c_str(), archive.entries().size(),
                static_cast<unsigned long long>(inspection.plan.total_bytes),
                info.zip64 ? ", ZIP64" : "");
    if (inspection.read_whole_stream) {
      std::printf("%s: a stream without a directory, read whole to list and check it\n",
                  Printable(info.format).c_str());
    }
    if (!info.names.legacy_encoding.empty()) {
      std::printf("names: %s%s (%s)\n", Printable(info.names.legacy_encoding).c_str(),
                  info.names.forced ? ", forced" : "", Printable(info.names.reason).c_str());
    }
    std::printf("%-9s %-8s %14s %14s %7s  %-10s %s\n", "method", "kind", "size", "compressed",
                "saved", "encoding", "name");
    for (const ArchiveEntry& e : archive.entries()) {
      std::printf("%-9s %-8s %14llu %14llu %7s  %-10s %s\n", Printable(e.method_name).c_str(),
                  Kind(e), static_cast<unsigned long long>(e.size),
                  static_cast<unsigned long long>(e.stored_size), Ratio(e).c_str(),
                  Printable(e.name_encoding).c_str(), Printable(e.name).c_str());
    }
    if (options.shards) {
      std::printf("shards: %zu\n", shards.size());
      for (size_t i = 0; i < shards.size(); ++i) {
        std::printf("shard %s: members %u-%u, %llu bytes\n", shard_name(i).c_str(), shards[i].begin,
                    shards[i].end, static_cast<unsigned long long>(shards[i].bytes));
      }
    }
    if (findings_list.empty()) std::printf("findings: none\n");
    for (const auto& f : findings_list) {
      std::printf("%s: %s\n", SeverityName(f.severity), Printable(f.ToString()).c_str());
    }
  }
  return refused ? kExitRefused : kExitOk;
}

}  // namespace unpackd
