// BorrowedBytes: a RandomAccessSource over bytes the caller keeps alive, without a copy.
// For in-memory archives (benchmarks, fuzz inputs, tests): no I/O, so only the reader's own
// cost is measured. Thread-safe for reads; the bytes must outlive the object.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>

#include "io/random_access_source.h"

namespace unpackd {

class BorrowedBytes final : public RandomAccessSource {
 public:
  explicit BorrowedBytes(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override {
    if (offset >= bytes_.size() || dst.empty()) return 0;
    const size_t n = std::min<uint64_t>(dst.size(), bytes_.size() - offset);
    std::memcpy(dst.data(), bytes_.data() + offset, n);
    return n;
  }

 private:
  std::span<const uint8_t> bytes_;
};

}  // namespace unpackd
