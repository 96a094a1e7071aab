// Method 9: Deflate64 ("enhanced deflate"), decoded by unpackd's own streaming inflater.
//
// Why hand-written: Deflate64 is PKWARE's variant of deflate (64 KiB window, length code 285
// meaning 3 + 16 extra bits, distance codes 30 and 31 with 14 extra bits each), which some
// Windows versions' built-in ZIP writer uses for large files and 7-Zip writes on request. No
// library packaged in Debian decodes it as a stream: zlib, isa-l and libdeflate implement deflate
// only, and zlib's contrib/infback9 is not built into any package. The format is small, so
// this decoder follows RFC 1951 plus those three differences.
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

// Memory: a 64 KiB window and five Huffman codes (about 13 KiB), whatever the member's size.
// May consume up to two bytes past the end of the Deflate64 stream (its bit reader reads
// ahead for the longest code); a ZIP member's data ends there anyway.
std::unique_ptr<Decompressor> MakeDeflate64Decompressor();

}  // namespace unpackd
