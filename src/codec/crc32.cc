#include "codec/crc32.h"

#include <isa-l.h>

namespace unpackd {

uint32_t Crc32Update(uint32_t crc, std::span<const std::byte> data) {
  return crc32_gzip_refl(crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

}  // namespace unpackd
