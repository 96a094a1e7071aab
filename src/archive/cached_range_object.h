// A RandomAccessObject that answers reads inside one range from memory it holds and passes
// the rest to the underlying object. The pipeline reads a run of small neighbouring members
// with one request and then parses their headers and data from this view.
#pragma once

#include <vector>

#include "store/object_store.h"

namespace unpackd {

class CachedRangeObject final : public RandomAccessObject {
 public:
  // Reads [offset, offset + size) of `base` now (clipped to its end). `base` must outlive this.
  CachedRangeObject(RandomAccessObject& base, uint64_t offset, size_t size);

  const ObjectInfo& info() const override { return base_.info(); }
  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override;

  // The cached bytes in [offset, offset + size), which must lie inside the cached range.
  std::span<const std::byte> View(uint64_t offset, uint64_t size) const;
  bool Contains(uint64_t offset, uint64_t size) const;

 private:
  RandomAccessObject& base_;
  uint64_t begin_;
  std::vector<std::byte> bytes_;
};

}  // namespace unpackd
