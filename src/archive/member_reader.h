// MemberReader: one member's content as a stream of checked bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace unpackd {

// Limits enforced while a member streams; declared sizes are never trusted.
struct MemberStreamLimits {
  uint64_t max_uncompressed = UINT64_MAX;
  double max_ratio = 0;  // uncompressed / compressed; 0 disables the check
  // Bytes below which the ratio is not checked (tiny members compress absurdly well).
  uint64_t ratio_grace_bytes = uint64_t{1} << 20;
};

class MemberReader {
 public:
  virtual ~MemberReader() = default;
  // Fills `out` with content and returns how many bytes; returns 0 exactly once the member is
  // complete AND its size and CRC-32 (where the format records one) matched. Throws
  // Error(kArchiveRefused) naming the member on corrupt data, size or CRC mismatch, or a
  // broken limit. One thread at a time.
  virtual size_t Read(std::span<std::byte> out) = 0;
};

}  // namespace unpackd
