// BorrowedBytesObject: a RandomAccessObject over bytes the caller keeps alive, without a copy.
// For in-memory archives (benchmarks, fuzz inputs, tests): no I/O, so only the reader's own
// cost is measured. Thread-safe for reads; the bytes must outlive the object.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "store/object_store.h"

namespace unpackd {

class BorrowedBytesObject final : public RandomAccessObject {
 public:
  BorrowedBytesObject(std::span<const uint8_t> bytes, std::string etag) : bytes_(bytes) {
    info_.size = bytes.size();
    info_.etag = std::move(etag);
  }
  const ObjectInfo& info() const override { return info_; }
  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override {
    if (offset >= bytes_.size()) return 0;
    const size_t n = std::min<uint64_t>(dst.size(), bytes_.size() - offset);
    std::memcpy(dst.data(), bytes_.data() + offset, n);
    return n;
  }

 private:
  std::span<const uint8_t> bytes_;
  ObjectInfo info_;
};

}  // namespace unpackd
