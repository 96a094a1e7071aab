// The ZIP compression methods unpackd knows, by APPNOTE number.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "archive/decompressor.h"

namespace unpackd {

// "deflate", "bzip2", ...; "method 17 (unknown)" for numbers APPNOTE does not name.
std::string CompressionMethodName(uint16_t method);

// True if MakeDecompressor supports `method`.
bool IsSupportedCompressionMethod(uint16_t method);

// A fresh decompressor for the method. Throws Error(kArchiveRefused) naming the method's
// number and name when it is not supported.
std::unique_ptr<Decompressor> MakeDecompressor(const DecompressorParams& params);

}  // namespace unpackd
