// Method 0: the member's bytes are stored as they are.
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

std::unique_ptr<Decompressor> MakeStoredDecompressor();

}  // namespace unpackd
