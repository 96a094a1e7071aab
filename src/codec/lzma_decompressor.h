// Method 14: LZMA as PKWARE's APPNOTE puts it in a ZIP member, decoded with liblzma.
//
// The member starts with a 2-byte LZMA SDK version, a 2-byte properties size (5) and the 5-byte
// LZMA properties (lc/lp/pb and dictionary size); raw LZMA1 data follows. General-purpose
// flag bit 1 says the data ends with an end-of-stream marker; without it the data simply stops
// after params.uncompressed_size bytes of output.
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

// Memory: the dictionary the properties ask for (refused when above params.max_dictionary)
// plus liblzma's fixed probability tables. Throws nothing itself: a refused dictionary or bad
// header surfaces as Error(kArchiveRefused) from the first Decompress() that sees it.
std::unique_ptr<Decompressor> MakeLzmaDecompressor(const DecompressorParams& params);

}  // namespace unpackd
