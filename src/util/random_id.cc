#include "util/random_id.h"

#include <cstdio>
#include <random>

namespace unpackd {

std::string RandomHexId(int hex_digits) {
  std::random_device random;
  std::string id;
  for (int i = 0; i < hex_digits; i += 8) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(random()));
    id += hex;
  }
  return id;
}

}  // namespace unpackd
