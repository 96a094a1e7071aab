// Reads a small piece of a source (a header, a record, a manifest) into a buffer of its own.
#pragma once

#include <cstdint>
#include <vector>

#include "io/random_access_source.h"

namespace unpackd {

// Up to `n` bytes from `offset`; fewer only where the source ends.
std::vector<std::byte> ReadUpTo(RandomAccessSource& source, uint64_t offset, size_t n);

}  // namespace unpackd
