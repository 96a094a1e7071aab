#include "archive/read_up_to.h"

namespace unpackd {

std::vector<std::byte> ReadUpTo(RandomAccessObject& source, uint64_t offset, size_t n) {
  std::vector<std::byte> buf(n);
  size_t got = 0;
  while (got < n) {
    const size_t r = source.ReadAt(offset + got, std::span(buf).subspan(got));
    if (r == 0) break;
    got += r;
  }
  buf.resize(got);
  return buf;
}

}  // namespace unpackd
