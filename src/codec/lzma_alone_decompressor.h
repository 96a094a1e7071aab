// The .lzma file format ("LZMA alone", what `lzma` and `xz --format=lzma` write): a 13-byte
// header (properties, dictionary size, uncompressed size or "unknown") and raw LZMA1 data,
// decoded with liblzma. Not a ZIP method (ZIP's LZMA header differs: lzma_decompressor.h).
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

// Memory: liblzma's decoder, limited to params.max_dictionary plus 1 MiB of state; a header
// asking for more is refused (code "decoder-memory-limit") before the dictionary is allocated.
std::unique_ptr<Decompressor> MakeLzmaAloneDecompressor(const DecompressorParams& params);

}  // namespace unpackd
