// PlannedPaths: the duplicate and case-collision index over a plan's members. Ids are indexes
// into plan.members and the paths stay in the plan, so the index costs 4 bytes a slot
// (HashedIds) whatever the member count, not a node and a string per member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/hashed_ids.h"

namespace unpackd {

struct ExtractionPlan;

class PlannedPaths {
 public:
  static constexpr uint32_t kNone = HashedIds::kNone;

  // Views `plan`, which must outlive the index.
  explicit PlannedPaths(const ExtractionPlan& plan);

  // Room for `members` planned members; a larger room rebuilds the index from the plan.
  void Reserve(size_t members);

  // The index into plan.members of the member with exactly this path, or kNone.
  uint32_t Find(std::string_view path) const;
  // The first member whose path differs from `path` in ASCII case alone, or kNone.
  uint32_t FindFolded(std::string_view path);
  // Adds plan.members.back(), growing the room as needed.
  void AddLast();

  // Bytes held (accounting).
  size_t bytes() const { return exact_.bytes() + folded_.bytes(); }

 private:
  void Insert(uint32_t id);
  size_t FoldedHash(std::string_view path);

  const ExtractionPlan& plan_;
  size_t room_ = 0;
  HashedIds exact_;
  HashedIds folded_;
  std::string scratch_;  // a case-folded path, reused so folding allocates once
};

}  // namespace unpackd
