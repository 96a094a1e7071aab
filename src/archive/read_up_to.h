// Reads a small piece of an archive (a header, a record) in one call, however the store splits
// the transfer.
#pragma once

#include <cstdint>
#include <vector>

#include "store/object_store.h"

namespace unpackd {

// Up to `n` bytes from `offset`; fewer only where the object ends.
std::vector<std::byte> ReadUpTo(RandomAccessObject& source, uint64_t offset, size_t n);

}  // namespace unpackd
