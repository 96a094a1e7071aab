#include "extract/planned_paths.h"

#include <algorithm>
#include <functional>

#include "extract/plan.h"
#include "util/ascii.h"

namespace unpackd {
namespace {

bool SameIgnoringAsciiCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return AsciiLower(x) == AsciiLower(y); });
}

size_t ExactHash(std::string_view path) { return std::hash<std::string_view>{}(path); }

}  // namespace

PlannedPaths::PlannedPaths(const ExtractionPlan& plan) : plan_(plan), exact_(0), folded_(0) {}

void PlannedPaths::Reserve(size_t members) {
  if (members <= room_) return;
  // HashedIds keeps no hashes (4 bytes a slot), so growing re-inserts from the plan's paths.
  room_ = members;
  exact_ = HashedIds(members);
  folded_ = HashedIds(members);
  for (size_t id = 0; id < plan_.members.size(); ++id) Insert(static_cast<uint32_t>(id));
}

uint32_t PlannedPaths::Find(std::string_view path) const {
  return exact_.Find(ExactHash(path),
                     [&](uint32_t id) { return plan_.members[id].path() == path; });
}

uint32_t PlannedPaths::FindFolded(std::string_view path) {
  return folded_.Find(FoldedHash(path), [&](uint32_t id) {
    return SameIgnoringAsciiCase(plan_.members[id].path(), path);
  });
}

void PlannedPaths::AddLast() {
  if (plan_.members.size() > room_) {
    Reserve(std::max<size_t>(16, room_ * 2));  // indexes every member, the last one too
    return;
  }
  Insert(static_cast<uint32_t>(plan_.members.size() - 1));
}

void PlannedPaths::Insert(uint32_t id) {
  const std::string_view path = plan_.members[id].path();
  exact_.Insert(ExactHash(path), id);
  // Only the first of a case-folded group is indexed: later ones are found through it.
  if (FindFolded(path) == kNone) folded_.Insert(FoldedHash(path), id);
}

size_t PlannedPaths::FoldedHash(std::string_view path) {
  scratch_.assign(path);
  for (char& c : scratch_) c = AsciiLower(c);
  return std::hash<std::string_view>{}(scratch_);
}

}  // namespace unpackd
