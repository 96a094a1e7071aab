#include "pipeline/plan.h"

#include <algorithm>
#include <unordered_map>
#include <variant>

#include "archive/compression_method.h"
#include "pipeline/member_path.h"

namespace unpackd {
namespace {

std::string LowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

Finding MemberFinding(Severity severity, std::string code, const ZipEntry& e, std::string message) {
  return Finding{severity, std::move(code), e.index, e.name, std::move(message)};
}

Finding ArchiveFinding(std::string code, std::string message) {
  return Finding{Severity::kRefuse, std::move(code), std::nullopt, "", std::move(message)};
}

// Fifield-style bombs point many central entries at the same or overlapping data. Each
// member occupies at least its fixed local header, its name and its compressed data.
void FindOverlaps(const std::vector<ZipEntry>& entries, std::vector<Finding>& findings) {
  std::vector<const ZipEntry*> by_offset;
  by_offset.reserve(entries.size());
  for (const auto& e : entries) by_offset.push_back(&e);
  std::stable_sort(by_offset.begin(), by_offset.end(), [](const ZipEntry* a, const ZipEntry* b) {
    return a->local_header_offset < b->local_header_offset;
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const ZipEntry& prev = *by_offset[i - 1];
    const ZipEntry& cur = *by_offset[i];
    const uint64_t prev_end =
        prev.local_header_offset + 30 + prev.raw_name.size() + prev.compressed_size;
    if (cur.local_header_offset < prev_end) {
      findings.push_back(MemberFinding(Severity::kRefuse, "overlapping-data", cur,
                                       "its data overlaps member '" + prev.name +
                                           "' (a non-recursive zip bomb reuses data this way)"));
    }
  }
}

}  // namespace

bool ExtractionPlan::Refused(OnErrorPolicy policy) const {
  for (const auto& f : findings) {
    if (f.severity != Severity::kRefuse) continue;
    if (!f.member || policy == OnErrorPolicy::kFail) return true;
  }
  return false;
}

std::string ExtractionPlan::RefusalSummary() const {
  std::string out;
  int shown = 0, total = 0;
  for (const auto& f : findings) {
    if (f.severity != Severity::kRefuse) continue;
    ++total;
    if (shown < 3) {
      if (!out.empty()) out += "; ";
      out += f.ToString();
      ++shown;
    }
  }
  if (total > shown) out += "; and " + std::to_string(total - shown) + " more";
  return out;
}

ExtractionPlan MakePlan(const ZipArchive& archive, const Destination& destination,
                        const ContentTypeMap& types, const ExtractionLimits& limits) {
  ExtractionPlan plan;
  plan.destination = destination;
  const auto& entries = archive.entries();
  auto& findings = plan.findings;

  if (entries.size() > limits.max_members) {
    findings.push_back(ArchiveFinding("too-many-members", std::to_string(entries.size()) +
                                                              " members, over the limit of " +
                                                              std::to_string(limits.max_members)));
  }
  FindOverlaps(entries, findings);

  std::vector<bool> refused(entries.size(), false);
  for (const auto& f : findings) {
    if (f.member) refused[*f.member] = true;
  }
  std::unordered_map<std::string, uint32_t> by_key;
  std::unordered_map<std::string, uint32_t> by_folded_key;
  const std::string reserved = destination.ManifestKey().substr(destination.prefix.size());
  const std::string reserved_dir = reserved.substr(0, reserved.find('/') + 1);

  for (const ZipEntry& e : entries) {
    auto refuse = [&](std::string code, std::string message) {
      findings.push_back(MemberFinding(Severity::kRefuse, std::move(code), e, std::move(message)));
      refused[e.index] = true;
    };
    auto normalized = NormalizeMemberPath(e.name);
    if (auto* unsafe = std::get_if<UnsafePath>(&normalized)) {
      refuse("unsafe-path", unsafe->reason + "; it would land outside the destination");
      continue;
    }
    const std::string path = std::get<std::string>(std::move(normalized));
    if (e.is_directory()) {
      ++plan.directories;
      continue;
    }
    if (e.is_symlink()) {
      findings.push_back(
          MemberFinding(Severity::kSkip, "symlink", e,
                        "symbolic link skipped (links are never created or followed)"));
      continue;
    }
    if (e.is_special_file()) {
      refuse("special-file", "device, FIFO or socket entry; only regular files are extracted");
      continue;
    }
    if (e.is_encrypted()) {
      refuse("encrypted", std::string(e.aes_encrypted ? "WinZip AES" : "traditional PKWARE") +
                              " encryption; encrypted members are not supported");
      continue;
    }
    if (!IsSupportedCompressionMethod(e.method)) {
      refuse("unsupported-method", "compression method " + std::to_string(e.method) + " (" +
                                       CompressionMethodName(e.method) + ") is not supported");
      continue;
    }
    const std::string key = destination.KeyFor(path);
    if (key.size() > limits.max_key_bytes) {
      refuse("name-too-long", "destination key is " + std::to_string(key.size()) +
                                  " bytes, over the limit of " +
                                  std::to_string(limits.max_key_bytes));
      continue;
    }
    if (static_cast<uint32_t>(std::count(path.begin(), path.end(), '/')) + 1 > limits.max_depth) {
      refuse("path-too-deep", "more than " + std::to_string(limits.max_depth) + " path segments");
      continue;
    }
    if (path == reserved || path.starts_with(reserved_dir)) {
      refuse("reserved-name", "'" + reserved_dir + "' is reserved for unpackd's manifest");
      continue;
    }
    if (e.uncompressed_size > limits.max_member_bytes) {
      refuse("member-size-limit", "declares " + std::to_string(e.uncompressed_size) +
                                      " bytes, over the limit of " +
                                      std::to_string(limits.max_member_bytes));
      continue;
    }
    if (auto [it, inserted] = by_key.emplace(path, e.index); !inserted) {
      refuse("duplicate-name",
             "normalizes to the same key as member '" + entries[it->second].name + "'");
      continue;
    }
    if (auto [it, inserted] = by_folded_key.emplace(LowerAscii(path), e.index); !inserted) {
      findings.push_back(MemberFinding(
          Severity::kWarning, "case-collision", e,
          "differs only in case from member '" + entries[it->second].name +
              "'; both are extracted, but they collide on case-insensitive file systems"));
    }
    if (refused[e.index]) continue;  // overlapping data, found above
    plan.members.push_back(PlannedMember{e.index, path, key, types.ForPath(path)});
    plan.total_bytes += e.uncompressed_size;
  }

  if (plan.total_bytes > limits.max_total_bytes) {
    findings.push_back(
        ArchiveFinding("total-size-limit", "members declare " + std::to_string(plan.total_bytes) +
                                               " bytes in all, over the limit of " +
                                               std::to_string(limits.max_total_bytes)));
  }
  const double archive_bytes =
      static_cast<double>(std::max<uint64_t>(archive.info().archive_size, 1));
  if (limits.max_archive_ratio > 0 && plan.total_bytes > (uint64_t{1} << 20) &&
      static_cast<double>(plan.total_bytes) > limits.max_archive_ratio * archive_bytes) {
    findings.push_back(ArchiveFinding(
        "archive-ratio-limit", "members declare " + std::to_string(plan.total_bytes) +
                                   " bytes from a " + std::to_string(archive.info().archive_size) +
                                   "-byte archive, over the ratio limit of " +
                                   std::to_string(static_cast<int>(limits.max_archive_ratio)) +
                                   ":1 (possible zip bomb)"));
  }
  return plan;
}

}  // namespace unpackd
