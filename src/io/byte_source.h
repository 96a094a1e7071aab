// ByteSource: a forward-only stream of byte chunks (one member's compressed bytes, a body).
// Implementations read ahead from a RandomAccessSource, or serve memory the caller holds.
#pragma once

#include <cstddef>
#include <span>

namespace unpackd {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The next chunk, valid until the next call; empty once all bytes were returned. Throws
  // unpackd::Error when the bytes cannot be had (truncated source, store failure).
  virtual std::span<const std::byte> Next() = 0;
};

// Serves one span once. The memory must outlive this object.
class SpanSource final : public ByteSource {
 public:
  explicit SpanSource(std::span<const std::byte> bytes) : bytes_(bytes) {}
  std::span<const std::byte> Next() override {
    auto out = bytes_;
    bytes_ = {};
    return out;
  }

 private:
  std::span<const std::byte> bytes_;
};

}  // namespace unpackd
