// HashedIds: an open-addressing hash table of 32-bit ids whose keys live elsewhere (in a table
// the caller owns: a plan's member paths). Four bytes a slot, no allocation per id, so a
// duplicate check over a million members costs 8 MiB, not a node per member.
//
// Sized once for the most ids it will hold, at most half full, so probes stay short. Not
// thread-safe; moves, does not copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace unpackd {

class HashedIds {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Room for `max_ids` ids.
  explicit HashedIds(size_t max_ids);

  // The first id inserted under `hash` for which same(id) is true, or kNone. Ids inserted
  // under other hashes may be offered to `same` too (the table keeps no hashes).
  template <class Same>
  uint32_t Find(size_t hash, const Same& same) const {
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const uint32_t slot = slots_[i];
      if (slot == 0) return kNone;
      if (same(slot - 1)) return slot - 1;
    }
  }

  // Throws Error(kInternal) beyond `max_ids` ids, or for kNone.
  void Insert(size_t hash, uint32_t id);

  // Bytes held (the accounting figure).
  size_t bytes() const { return slots_.capacity() * sizeof(uint32_t); }

 private:
  std::vector<uint32_t> slots_;  // id + 1; 0 is empty
  size_t mask_ = 0;
  size_t left_ = 0;  // ids that may still be inserted
};

}  // namespace unpackd
