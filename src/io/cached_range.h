// CachedRange: a RandomAccessSource that answers reads inside one range from memory it holds
// and passes the rest to the underlying source. A run of small neighbouring members is read
// with one request, then their headers and data are parsed from this view.
#pragma once

#include <vector>

#include "io/random_access_source.h"

namespace unpackd {

class CachedRange final : public RandomAccessSource {
 public:
  // Reads [offset, offset + size) of `base` now (clipped to its end). `base` must outlive this.
  CachedRange(RandomAccessSource& base, uint64_t offset, size_t size);

  uint64_t size() const override { return base_.size(); }
  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override;

  // The cached bytes in [offset, offset + size), which must lie inside the cached range.
  std::span<const std::byte> View(uint64_t offset, uint64_t size) const;
  bool Contains(uint64_t offset, uint64_t size) const;

 private:
  RandomAccessSource& base_;
  uint64_t begin_;
  std::vector<std::byte> bytes_;
};

}  // namespace unpackd
