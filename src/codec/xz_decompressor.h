// Method 95: xz, decoded with liblzma (the reference implementation of the .xz format).
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

// Memory: liblzma's decoder, limited to params.max_dictionary plus 1 MiB of state; streams
// whose filters need more are refused (code "decoder-memory-limit") before the dictionary is
// allocated. Decodes one xz stream, or with params.concatenated every stream in a row,
// checking each one's integrity check.
std::unique_ptr<Decompressor> MakeXzDecompressor(const DecompressorParams& params);

}  // namespace unpackd
