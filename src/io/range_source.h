// RangeSource: a ByteSource over [offset, offset + size) of a RandomAccessSource, read in
// chunks on the calling thread (no read-ahead): for tools, tests and fuzzing, where overlap
// with the store does not matter. The pipeline uses ReadAheadSource.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "io/byte_source.h"
#include "io/random_access_source.h"
#include "util/error.h"

namespace unpackd {

class RangeSource final : public ByteSource {
 public:
  RangeSource(RandomAccessSource& source, uint64_t offset, uint64_t size, size_t chunk_size)
      : source_(source),
        next_(offset),
        end_(offset + size),
        chunk_(std::max<size_t>(chunk_size, 1)) {}

  std::span<const std::byte> Next() override {
    if (next_ >= end_) return {};
    buffer_.resize(static_cast<size_t>(std::min<uint64_t>(chunk_, end_ - next_)));
    const size_t got = source_.ReadAt(next_, buffer_);
    if (got < buffer_.size()) {
      throw Error(ErrorKind::kArchiveRefused, "archive is truncated: member data ends at byte " +
                                                  std::to_string(next_ + got) + " of " +
                                                  std::to_string(source_.size()));
    }
    next_ += got;
    return buffer_;
  }

 private:
  RandomAccessSource& source_;
  uint64_t next_;
  uint64_t end_;
  size_t chunk_;
  std::vector<std::byte> buffer_;
};

}  // namespace unpackd
