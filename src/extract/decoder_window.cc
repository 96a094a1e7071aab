#include "extract/decoder_window.h"

#include <algorithm>

namespace unpackd {

uint64_t DecoderWindowBytes(const ArchiveEntry& entry, uint64_t max_window) {
  if (!entry.codec) return 0;
  constexpr uint64_t kKiB = 1024;
  switch (*entry.codec) {
    case Codec::kStored:
      return 0;
    case Codec::kDeflate:
      return 128 * kKiB;  // 32 KiB window plus ISA-L's state
    case Codec::kDeflate64:
      return 192 * kKiB;  // 64 KiB window plus tables
    case Codec::kBzip2:
      // Up to 900 KiB blocks, about four bytes of tables per block byte.
      return std::min<uint64_t>(4096 * kKiB, 64 * kKiB + 4 * entry.size);
    case Codec::kLzma:
    case Codec::kZstd:
    case Codec::kXz:
      return std::clamp<uint64_t>(entry.size, 64 * kKiB, std::max<uint64_t>(max_window, 64 * kKiB));
  }
  return 0;
}

}  // namespace unpackd
