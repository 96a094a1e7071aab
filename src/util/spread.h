// A point in [0, 1) picked by an id and an attempt number, to spread the retries of many
// things failed by one outage without a random generator to share (Knuth's multiplicative
// hash). The same inputs always give the same point.
#pragma once

#include <cstdint>

namespace unpackd {

inline double SpreadPoint(uint64_t id, uint64_t attempt) {
  const uint64_t mixed = (id * 31 + attempt) * 0x9E3779B97F4A7C15ULL;
  return static_cast<double>(mixed >> 11) / static_cast<double>(uint64_t{1} << 53);
}

}  // namespace unpackd
