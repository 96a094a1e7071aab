// SourceStreambuf: a std::streambuf reading a RandomAccessSource front to back through one
// fixed buffer, for parsers that take a std::istream (a streamed JSON document, say) without
// the whole object in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <streambuf>
#include <vector>

#include "io/random_access_source.h"

namespace unpackd {

class SourceStreambuf final : public std::streambuf {
 public:
  // `source` must outlive the buffer. Errors from ReadAt propagate out of the istream's
  // reads (set the istream's exceptions, or catch unpackd::Error around the parse).
  explicit SourceStreambuf(RandomAccessSource& source, size_t buffer_bytes = size_t{64} << 10)
      : source_(source), buffer_(buffer_bytes) {}

 protected:
  int_type underflow() override;

 private:
  RandomAccessSource& source_;
  std::vector<char> buffer_;
  uint64_t next_ = 0;
};

}  // namespace unpackd
