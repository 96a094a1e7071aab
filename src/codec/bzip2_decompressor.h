// Method 12: bzip2, decoded with libbz2 (the reference implementation, in every distribution).
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

// Memory: libbz2's decoder state, at most about 3.6 MB for 900 kB blocks, whatever the
// member's size. Decodes one bzip2 stream (what every ZIP writer puts in a member).
std::unique_ptr<Decompressor> MakeBzip2Decompressor();

}  // namespace unpackd
