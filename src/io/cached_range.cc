#include "io/cached_range.h"

#include <algorithm>
#include <cstring>

#include "util/error.h"

namespace unpackd {

CachedRange::CachedRange(RandomAccessSource& base, uint64_t offset, size_t size)
    : base_(base), begin_(offset) {
  const uint64_t total = base.size();
  bytes_.resize(
      static_cast<size_t>(offset >= total ? 0 : std::min<uint64_t>(size, total - offset)));
  bytes_.resize(base.ReadAt(offset, bytes_));
}

bool CachedRange::Contains(uint64_t offset, uint64_t size) const {
  return offset >= begin_ && offset - begin_ <= bytes_.size() &&
         size <= bytes_.size() - (offset - begin_);
}

std::span<const std::byte> CachedRange::View(uint64_t offset, uint64_t size) const {
  if (!Contains(offset, size)) {
    throw Error(ErrorKind::kInternal, "cached range view outside the cached bytes");
  }
  return std::span<const std::byte>(bytes_).subspan(offset - begin_, size);
}

size_t CachedRange::ReadAt(uint64_t offset, std::span<std::byte> dst) {
  if (dst.empty()) return 0;
  if (offset >= begin_ && offset < begin_ + bytes_.size()) {
    const size_t n = std::min<size_t>(dst.size(), begin_ + bytes_.size() - offset);
    std::memcpy(dst.data(), bytes_.data() + (offset - begin_), n);
    if (n == dst.size()) return n;
    return n + base_.ReadAt(offset + n, dst.subspan(n));
  }
  return base_.ReadAt(offset, dst);
}

}  // namespace unpackd
