// Method 8: raw deflate, decoded with ISA-L's igzip (see docs/ARCHITECTURE.md for why).
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

std::unique_ptr<Decompressor> MakeDeflateDecompressor();

}  // namespace unpackd
