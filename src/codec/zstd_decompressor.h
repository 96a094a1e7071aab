// Method 93: Zstandard, decoded with libzstd's streaming API (the reference implementation).
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

// Memory: libzstd's context plus the frame's window, which must not exceed
// params.max_dictionary (rounded down to a power of two); larger windows are refused.
// Decodes a sequence of frames, as the zstd format allows (skippable frames included).
std::unique_ptr<Decompressor> MakeZstdDecompressor(const DecompressorParams& params);

}  // namespace unpackd
