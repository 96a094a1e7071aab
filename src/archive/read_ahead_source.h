// CompressedByteSource implementations: one that reads a byte range of the archive with one
// chunk of read-ahead, and one that serves a slice of memory the caller already holds.
#pragma once

#include <future>
#include <vector>

#include "archive/zip_archive.h"

namespace unpackd {

// Reads [offset, offset + size) of `source` in chunks of `chunk_size`, fetching the next chunk
// on another thread while the caller decompresses the current one, so store latency overlaps
// CPU work. Holds at most two chunks. `source` must outlive this object.
class ReadAheadSource final : public CompressedByteSource {
 public:
  ReadAheadSource(RandomAccessObject& source, uint64_t offset, uint64_t size, size_t chunk_size);
  ~ReadAheadSource() override;

  std::span<const std::byte> Next() override;

 private:
  std::vector<std::byte> Fetch(uint64_t offset, size_t n);
  void StartNext();

  RandomAccessObject& source_;
  uint64_t next_offset_;
  uint64_t end_;
  size_t chunk_size_;
  std::vector<std::byte> current_;
  std::future<std::vector<std::byte>> pending_;
};

// Serves one span once. The memory must outlive this object.
class SpanSource final : public CompressedByteSource {
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
