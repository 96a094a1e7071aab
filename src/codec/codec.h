// Codec: the compression algorithms unpackd decodes, independent of any archive format. A
// format maps its own method numbers or filter names onto these (archive/zip/zip_method.h).
#pragma once

#include <memory>

#include "codec/decompressor.h"

namespace unpackd {

enum class Codec : uint8_t { kStored, kDeflate, kDeflate64, kBzip2, kLzma, kZstd, kXz };

// A fresh decompressor. Throws Error(kArchiveRefused) when `params` ask for more than the
// decoder allows (a dictionary beyond params.max_dictionary).
std::unique_ptr<Decompressor> MakeDecompressor(Codec codec, const DecompressorParams& params);

}  // namespace unpackd
