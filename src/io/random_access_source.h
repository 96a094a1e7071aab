// RandomAccessSource: bytes that can be read at any offset: an object in a store, a slice of
// memory, a cached range. Archive readers parse through this and nothing else, so they never
// know which store (or none) holds the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace unpackd {

class RandomAccessSource {
 public:
  virtual ~RandomAccessSource() = default;

  // Total bytes. Never changes for the lifetime of the source.
  virtual uint64_t size() const = 0;

  // Reads up to dst.size() bytes starting at `offset` into dst and returns how many were read:
  // fewer than dst.size() only at the end of the source (0 when offset >= size() or dst is
  // empty), so callers never loop. Throws unpackd::Error on failure (see the implementation's
  // contract). Safe to call from many threads at once.
  virtual size_t ReadAt(uint64_t offset, std::span<std::byte> dst) = 0;
};

}  // namespace unpackd
