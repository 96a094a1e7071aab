// The decoder-window share of the memory plan a member reserves while it streams.
#pragma once

#include <cstdint>

#include "archive/archive_entry.h"

namespace unpackd {

// Fixed state for deflate, deflate64 and bzip2; for dictionary codecs (LZMA, xz, zstd) the
// window the decoder may touch, which is never more than the member's content nor more than
// `max_window` (larger dictionaries are refused by the decoder). Pages of a dictionary are
// only touched as content is written, so content size bounds what a window costs.
uint64_t DecoderWindowBytes(const ArchiveEntry& entry, uint64_t max_window);

}  // namespace unpackd
