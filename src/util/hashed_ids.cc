#include "util/hashed_ids.h"

#include <algorithm>
#include <bit>

#include "util/error.h"

namespace unpackd {

HashedIds::HashedIds(size_t max_ids)
    : slots_(std::bit_ceil(std::max<size_t>(2 * max_ids, 2)), 0),
      mask_(slots_.size() - 1),
      left_(max_ids) {}

void HashedIds::Insert(size_t hash, uint32_t id) {
  if (left_ == 0 || id == kNone) {
    throw Error(ErrorKind::kInternal, "HashedIds: more ids than it was sized for");
  }
  --left_;
  size_t i = hash & mask_;
  while (slots_[i] != 0) i = (i + 1) & mask_;
  slots_[i] = id + 1;
}

}  // namespace unpackd
