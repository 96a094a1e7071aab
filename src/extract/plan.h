// The extraction plan: which members become which objects, and everything found unsafe,
// decided from the archive's directory alone before a single byte is written.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "archive/archive_reader.h"
#include "archive/finding.h"
#include "extract/content_type.h"
#include "extract/destination.h"
#include "extract/limits.h"
#include "extract/planned_paths.h"
#include "store/object_store.h"
#include "util/string_arena.h"

namespace unpackd {

// One member to write. A plan holds one per member, so it owns no string: its path is a view
// of the entry's name when normalizing left the name as it was (almost always), else of the
// plan's own `paths`; its key is built when needed (ExtractionPlan::KeyOf); Content-Types are
// shared. 24 bytes: the path is kept as a pointer and a 32-bit length (a member name is far
// below 4 GiB), not a 16-byte string_view beside a 4-byte index that pads it to 32.
struct PlannedMember {
  PlannedMember() = default;
  PlannedMember(uint32_t entry_index, std::string_view path, const std::string* content_type)
      : content_type(content_type),
        path_data(path.data()),
        path_size(static_cast<uint32_t>(path.size())),
        entry_index(entry_index) {}

  // The member's normalized path inside the archive.
  std::string_view path() const { return {path_data, path_size}; }

  const std::string* content_type = nullptr;  // one of ExtractionPlan::content_types
  const char* path_data = nullptr;            // read through path()
  uint32_t path_size = 0;
  uint32_t entry_index = 0;
};

// Views the archive's entry names: the ArchiveReader it was made from (or, for a stream, the
// storage of the entries met) must outlive it.
// Move-only (members view its own path and type storage, which a move keeps in place).
struct ExtractionPlan {
  Destination destination;
  std::vector<PlannedMember> members;  // in directory order; directories excluded
  std::vector<Finding> findings;
  uint64_t total_bytes = 0;  // declared uncompressed bytes of planned members
  uint32_t directories = 0;
  StringArena paths;                              // normalized paths that differ from the name
  std::unordered_set<std::string> content_types;  // every member's, once

  // The member's normalized path inside the archive.
  std::string_view PathOf(const PlannedMember& member) const { return member.path(); }
  // Its destination key: the destination prefix, then its path.
  std::string KeyOf(const PlannedMember& member) const {
    std::string key;
    key.reserve(destination.prefix.size() + member.path().size());
    return key.append(destination.prefix).append(member.path());
  }
  // Memory the plan holds per member and for its strings (accounting, tests).
  size_t bytes() const { return members.capacity() * sizeof(PlannedMember) + paths.bytes(); }
  // True if any finding refuses the archive under `policy`.
  bool Refused(OnErrorPolicy policy) const;
  // One line naming the first refusing findings, for error messages.
  std::string RefusalSummary() const;
};

// Which member a file/folder clash ("a" beside "a/b" or "a/") refuses on a store whose keys
// cannot nest (ObjectStore::KeysMayNest false).
enum class FolderClashRule {
  // The file, once every entry was seen: a directory (ZIP) shows them all before writing.
  kRefuseFile,
  // Whichever of the two comes second, as it arrives: a stream has written the first already.
  kRefuseSecond,
};

// Plans members one at a time, as a stream yields them (the tar family); MakePlan runs it
// over a directory. Decides exactly as MakePlan does, but only from the entries seen so far:
// a duplicate is the later of two names.
class MemberPlanner {
 public:
  // `plan.destination` must be set; `entries` are the archive's entries so far
  // (entries[i].index == i), grown by the caller, read for messages; planned members view
  // their names, which must outlive the plan. Everything must outlive the planner. Throws as
  // MakePlan does for a destination the store cannot hold.
  MemberPlanner(ExtractionPlan& plan, const std::vector<ArchiveEntry>& entries,
                const ObjectStore& destination_store, const ContentTypeMap& types,
                const ExtractionLimits& limits,
                FolderClashRule folder_rule = FolderClashRule::kRefuseFile);

  // Room for `members` planned members (a directory's count); growing rebuilds the index.
  void Reserve(size_t members);

  // Plans `entry`: appends it to plan.members and returns true, or adds the finding that
  // refuses or skips it (none when `refused_already`: the format's finding says why).
  bool Add(const ArchiveEntry& entry, bool refused_already = false);

  // Once every entry was added: files other members use as folders (stores that cannot nest
  // keys, under kRefuseFile), the declared total and its ratio to `archive_size`.
  void Finish(uint64_t archive_size);

 private:
  ExtractionPlan& plan_;
  const std::vector<ArchiveEntry>& entries_;
  const ObjectStore& store_;
  const ContentTypeMap& types_;
  const ExtractionLimits& limits_;
  const FolderClashRule folder_rule_;
  const std::string reserved_;      // the manifest's path below the prefix
  const std::string reserved_dir_;  // and its folder
  // Planned members by path, exactly and case-folded: ids into plan.members, whose paths are
  // views of entry names or of plan.paths, so nothing here copies a path.
  PlannedPaths by_path_;
  std::unordered_map<std::string, uint32_t> links_;  // links' paths -> entry
  std::vector<std::string> folders_;  // folder entries' paths ("a/b/"), for kRefuseFile
  // Under kRefuseSecond on a store that cannot nest keys: every folder a planned file or a
  // folder entry implies ("a", "a/b"), one string per distinct folder rather than per member.
  // Files are looked up in by_path_.
  std::unordered_set<std::string> folder_paths_;
};

// `destination_store` is where the members go: a member whose key it cannot hold (a segment
// over the local filesystem's 255 bytes, a control character) is refused as that member, code
// "unstorable-name". Throws Error(kUsage, code "invalid-destination") when it cannot hold the
// destination prefix itself: then no member could be stored, whatever its name.
// `folder_rule` is the format's: a stream's listing (--verify-first, inspect) plans as its
// extraction will, so both refuse the same member.
ExtractionPlan MakePlan(const ArchiveReader& archive, const Destination& destination,
                        const ObjectStore& destination_store, const ContentTypeMap& types,
                        const ExtractionLimits& limits,
                        FolderClashRule folder_rule = FolderClashRule::kRefuseFile);

}  // namespace unpackd
