#include "extract/manifest.h"

#include <cstdio>

namespace unpackd {

std::string Crc32Hex(uint32_t crc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", crc);
  return buf;
}

}  // namespace unpackd
