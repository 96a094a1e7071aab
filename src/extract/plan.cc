#include "extract/plan.h"

#include <algorithm>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "extract/member_path.h"
#include "util/error.h"

namespace unpackd {
namespace {

Finding MemberFinding(Severity severity, std::string code, const ArchiveEntry& e,
                      std::string message) {
  return Finding{severity, std::move(code), e.index, std::string(e.name), std::move(message)};
}

Finding ArchiveFinding(std::string code, std::string message) {
  return Finding{Severity::kRefuse, std::move(code), std::nullopt, "", std::move(message)};
}

// A prefix the store cannot hold would refuse every member for a reason none of them has.
void CheckDestinationPrefix(const Destination& destination, const ObjectStore& store) {
  if (destination.prefix.empty()) return;
  const std::string_view prefix(destination.prefix.data(), destination.prefix.size() - 1);
  if (auto problem = store.KeyProblem(prefix)) {
    throw Error(ErrorKind::kUsage,
                "destination " + destination.bucket + "/" + destination.prefix +
                    " cannot be stored: the key " + *problem,
                "invalid-destination");
  }
}

constexpr uint32_t kNoEntry = UINT32_MAX;

// The entry index of an earlier member (file or symbolic link) with this normalized path, or
// kNoEntry.
uint32_t DuplicateOf(const std::string& path, const ExtractionPlan& plan, const PlannedPaths& files,
                     const std::unordered_map<std::string, uint32_t>& links) {
  if (const uint32_t i = files.Find(path); i != PlannedPaths::kNone) {
    return plan.members[i].entry_index;
  }
  if (const auto it = links.find(path); it != links.end()) return it->second;
  return kNoEntry;
}

// On a store where a key cannot also be a folder of other keys (a file system), a member "a/b"
// beside "a/b/c" or a folder entry "a/b/" could not both be written: the file is refused here,
// before anything is written, rather than failing halfway. Its folder's members are extracted.
void RefuseFilesThatAreFolders(ExtractionPlan& plan, std::span<const ArchiveEntry> entries,
                               std::vector<std::string>& folders, std::vector<Finding>& findings) {
  std::vector<std::string_view> paths;
  paths.reserve(plan.members.size() + folders.size());
  for (const PlannedMember& member : plan.members) paths.push_back(plan.PathOf(member));
  for (const std::string& folder : folders) paths.emplace_back(folder);
  std::sort(paths.begin(), paths.end());
  const auto is_folder = [&](std::string_view path) {
    const std::string below = std::string(path) + '/';
    const auto next = std::lower_bound(paths.begin(), paths.end(), below);
    return next != paths.end() && next->starts_with(below);
  };
  std::vector<bool> clash(plan.members.size(), false);
  bool any = false;
  for (size_t i = 0; i < plan.members.size(); ++i) {
    clash[i] = is_folder(plan.PathOf(plan.members[i]));
    any = any || clash[i];
  }
  if (!any) return;
  std::vector<PlannedMember> kept;
  kept.reserve(plan.members.size());
  for (size_t i = 0; i < plan.members.size(); ++i) {
    if (!clash[i]) {
      kept.push_back(plan.members[i]);
      continue;
    }
    const ArchiveEntry& e = entries[plan.members[i].entry_index];
    plan.total_bytes -= e.size;
    findings.push_back(MemberFinding(
        Severity::kRefuse, "file-is-folder", e,
        "other members lie under it as a folder, and this store cannot hold a file and a "
        "folder of the same name (S3 can: extract there, or rename one)"));
  }
  plan.members = std::move(kept);
}

// The message of either member of a clash, when the store cannot hold both.
constexpr std::string_view kCannotNest =
    "this store cannot hold a file and a folder of the same name (S3 can: extract there, or "
    "rename one)";

// The entry index of a planned file that is one of the folders `path` lies in ("a" for
// "a/b/c"), or kNoEntry.
uint32_t FileAbove(std::string_view path, const ExtractionPlan& plan, const PlannedPaths& files) {
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (const uint32_t i = files.Find(path.substr(0, slash)); i != PlannedPaths::kNone) {
      return plan.members[i].entry_index;
    }
  }
  return kNoEntry;
}

// Records `folder` and the folders above it. Deepest first: a folder already there has its
// parents there too, so a member beside earlier ones costs one lookup.
void NoteFolders(std::string_view folder, std::unordered_set<std::string>& folders) {
  while (!folder.empty() && folders.emplace(folder).second) {
    const size_t slash = folder.rfind('/');
    folder = folder.substr(0, slash == std::string_view::npos ? 0 : slash);
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

namespace {

// Below this a high ratio is harmless whatever it is (a small file of zeros).
constexpr uint64_t kRatioWarningMinBytes = uint64_t{1} << 20;

double CompressionRatio(const ArchiveEntry& e) {
  return static_cast<double>(e.size) / static_cast<double>(std::max<uint64_t>(e.stored_size, 1));
}

}  // namespace

MemberPlanner::MemberPlanner(ExtractionPlan& plan, const std::vector<ArchiveEntry>& entries,
                             const ObjectStore& destination_store, const ContentTypeMap& types,
                             const ExtractionLimits& limits, FolderClashRule folder_rule)
    : plan_(plan),
      entries_(entries),
      store_(destination_store),
      types_(types),
      limits_(limits),
      folder_rule_(folder_rule),
      reserved_(plan.destination.ManifestKey().substr(plan.destination.prefix.size())),
      reserved_dir_(reserved_.substr(0, reserved_.find('/') + 1)),
      by_path_(plan) {
  CheckDestinationPrefix(plan.destination, destination_store);
}

void MemberPlanner::Reserve(size_t members) {
  if (members <= plan_.members.capacity()) return;
  plan_.members.reserve(members);
  by_path_.Reserve(members);
}

bool MemberPlanner::Add(const ArchiveEntry& e, bool refused_already) {
  auto& findings = plan_.findings;
  const auto& entries = entries_;
  const auto& destination = plan_.destination;
  const auto& limits = limits_;
  bool refused = refused_already;
  auto refuse = [&](std::string code, std::string message) {
    findings.push_back(MemberFinding(Severity::kRefuse, std::move(code), e, std::move(message)));
    return false;
  };
  if (e.kind == EntryKind::kDirectory && IsArchiveRoot(e.name)) {
    ++plan_.directories;
    return false;
  }
  auto normalized = NormalizeMemberPath(e.name);
  if (auto* unsafe = std::get_if<UnsafePath>(&normalized)) {
    return refuse("unsafe-path", unsafe->reason + "; it would land outside the destination");
  }
  const std::string path = std::get<std::string>(std::move(normalized));
  // A stream's clash is refused as its second member arrives: the first may be written.
  const bool clash_as_added =
      folder_rule_ == FolderClashRule::kRefuseSecond && !store_.KeysMayNest();
  if (e.kind == EntryKind::kDirectory) {
    ++plan_.directories;
    if (path.empty()) return false;
    const std::string_view folder(path.data(), path.size() - (path.ends_with('/') ? 1 : 0));
    if (!clash_as_added) {
      folders_.push_back(std::string(folder) + '/');
      return false;
    }
    uint32_t file = kNoEntry;
    if (const uint32_t i = by_path_.Find(folder); i != PlannedPaths::kNone) {
      file = plan_.members[i].entry_index;
    }
    if (file == kNoEntry) file = FileAbove(folder, plan_, by_path_);
    if (file != kNoEntry) {
      return refuse("file-is-folder", "a folder where member '" + std::string(entries[file].name) +
                                          "' was written as a file; " + std::string(kCannotNest));
    }
    NoteFolders(folder, folder_paths_);
    return false;
  }
  if (e.kind == EntryKind::kSymlink || e.kind == EntryKind::kHardLink) {
    // A link is never written, but its name is still a member's name: the duplicate rule
    // applies to it as to a file (README), so a link and a file of one name are refused.
    const uint32_t other = DuplicateOf(path, plan_, by_path_, links_);
    if (other != kNoEntry) {
      return refuse("duplicate-name", "normalizes to the same key as member '" +
                                          std::string(entries[other].name) + "'");
    }
    links_.emplace(path, e.index);
    const bool hard = e.kind == EntryKind::kHardLink;
    findings.push_back(MemberFinding(Severity::kSkip, hard ? "hardlink" : "symlink", e,
                                     std::string(hard ? "hard link" : "symbolic link") +
                                         " skipped (links are never created or followed)"));
    return false;
  }
  if (e.kind == EntryKind::kSpecial) {
    return refuse("special-file",
                  "device, socket or FIFO without data; only regular files are extracted");
  }
  if (!e.encryption.empty()) {
    return refuse("encrypted",
                  std::string(e.encryption) + " encryption; encrypted members are not supported");
  }
  if (!e.codec) {
    return refuse("unsupported-method",
                  "compression method " + std::string(e.method_name) + " is not supported");
  }
  const std::string key = destination.KeyFor(path);
  if (key.size() > limits.max_key_bytes) {
    return refuse("name-too-long", "destination key is " + std::to_string(key.size()) +
                                       " bytes, over the limit of " +
                                       std::to_string(limits.max_key_bytes));
  }
  if (auto problem = store_.KeyProblem(key)) {
    return refuse("unstorable-name",
                  "the destination store cannot hold its key: the key " + *problem);
  }
  if (static_cast<uint32_t>(std::count(path.begin(), path.end(), '/')) + 1 > limits.max_depth) {
    return refuse("path-too-deep",
                  "more than " + std::to_string(limits.max_depth) + " path segments");
  }
  if (path == reserved_ || path.starts_with(reserved_dir_)) {
    return refuse("reserved-name", "'" + reserved_dir_ + "' is reserved for unpackd's manifest");
  }
  if (e.size > limits.max_member_bytes) {
    return refuse("member-size-limit", "declares " + std::to_string(e.size) +
                                           " bytes, over the limit of " +
                                           std::to_string(limits.max_member_bytes));
  }
  if (const uint32_t other = DuplicateOf(path, plan_, by_path_, links_); other != kNoEntry) {
    return refuse("duplicate-name", "normalizes to the same key as member '" +
                                        std::string(entries[other].name) + "'");
  }
  if (clash_as_added) {
    if (folder_paths_.contains(path)) {
      return refuse("file-is-folder",
                    "members before it lie under it as a folder; " + std::string(kCannotNest));
    }
    if (const uint32_t file = FileAbove(path, plan_, by_path_); file != kNoEntry) {
      return refuse("file-is-folder", "lies under member '" + std::string(entries[file].name) +
                                          "', written before it as a file; " +
                                          std::string(kCannotNest));
    }
  }
  if (const uint32_t other = by_path_.FindFolded(path); other != PlannedPaths::kNone) {
    findings.push_back(MemberFinding(
        Severity::kWarning, "case-collision", e,
        "differs only in case from member '" +
            std::string(entries[plan_.members[other].entry_index].name) +
            "'; both are extracted, but they collide on case-insensitive file systems"));
  }
  if (refused) return false;  // overlapping data, found by the format
  if (const double ratio = CompressionRatio(e);
      e.size > kRatioWarningMinBytes && ratio > limits.warn_member_ratio) {
    findings.push_back(MemberFinding(Severity::kWarning, "high-ratio", e,
                                     "compresses " + std::to_string(static_cast<uint64_t>(ratio)) +
                                         ":1 (" + std::to_string(e.size) + " bytes from " +
                                         std::to_string(e.stored_size) +
                                         " stored); allowed, but zip bombs look like this"));
  }
  const std::string* content_type = &*plan_.content_types.insert(types_.ForPath(path)).first;
  // Almost always the name is its own normalized path: then the member views the name.
  const std::string_view kept_path = path == e.name ? e.name : plan_.paths.Add(path);
  plan_.members.push_back(PlannedMember{e.index, kept_path, content_type});
  by_path_.AddLast();
  if (clash_as_added) {
    if (const size_t slash = path.rfind('/'); slash != std::string::npos)
      NoteFolders(std::string_view(path).substr(0, slash), folder_paths_);
  }
  plan_.total_bytes += e.size;
  return true;
}

void MemberPlanner::Finish(uint64_t archive_size) {
  auto& findings = plan_.findings;
  if (folder_rule_ == FolderClashRule::kRefuseFile && !store_.KeysMayNest())
    RefuseFilesThatAreFolders(plan_, entries_, folders_, findings);
  if (plan_.total_bytes > limits_.max_total_bytes) {
    findings.push_back(
        ArchiveFinding("total-size-limit", "members declare " + std::to_string(plan_.total_bytes) +
                                               " bytes in all, over the limit of " +
                                               std::to_string(limits_.max_total_bytes)));
  }
  const double archive_bytes = static_cast<double>(std::max<uint64_t>(archive_size, 1));
  if (limits_.max_archive_ratio > 0 && plan_.total_bytes > (uint64_t{1} << 20) &&
      static_cast<double>(plan_.total_bytes) > limits_.max_archive_ratio * archive_bytes) {
    findings.push_back(ArchiveFinding(
        "archive-ratio-limit", "members declare " + std::to_string(plan_.total_bytes) +
                                   " bytes from a " + std::to_string(archive_size) +
                                   "-byte archive, over the ratio limit of " +
                                   std::to_string(static_cast<int>(limits_.max_archive_ratio)) +
                                   ":1 (possible zip bomb)"));
  }
}

ExtractionPlan MakePlan(const ArchiveReader& archive, const Destination& destination,
                        const ObjectStore& destination_store, const ContentTypeMap& types,
                        const ExtractionLimits& limits, FolderClashRule folder_rule) {
  ExtractionPlan plan;
  plan.destination = destination;
  const auto& entries = archive.entries();
  MemberPlanner planner(plan, entries, destination_store, types, limits, folder_rule);
  if (entries.size() > limits.max_members) {
    plan.findings.push_back(ArchiveFinding(
        "too-many-members", std::to_string(entries.size()) + " members, over the limit of " +
                                std::to_string(limits.max_members)));
  }
  for (Finding& f : archive.StructuralFindings()) plan.findings.push_back(std::move(f));

  // A structural warning (a FIFO holding data, a malformed extra field unpackd does not read)
  // leaves its member to be extracted.
  std::vector<bool> refused(entries.size(), false);
  for (const auto& f : plan.findings) {
    if (f.member && f.severity != Severity::kWarning) refused[*f.member] = true;
  }
  // Sized once for the directory, so the index is never rebuilt.
  planner.Reserve(entries.size());
  for (const ArchiveEntry& e : entries) planner.Add(e, refused[e.index]);
  planner.Finish(archive.info().size);
  return plan;
}

}  // namespace unpackd
