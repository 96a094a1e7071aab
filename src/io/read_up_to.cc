#include "io/read_up_to.h"

namespace unpackd {

std::vector<std::byte> ReadUpTo(RandomAccessSource& source, uint64_t offset, size_t n) {
  if (n == 0) return {};
  std::vector<std::byte> buf(n);
  buf.resize(source.ReadAt(offset, buf));  // short only at the end (the interface's promise)
  return buf;
}

}  // namespace unpackd
