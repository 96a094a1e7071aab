#include "codec/codec.h"

#include "codec/bzip2_decompressor.h"
#include "codec/deflate64_decompressor.h"
#include "codec/deflate_decompressor.h"
#include "codec/lzma_decompressor.h"
#include "codec/stored_decompressor.h"
#include "codec/xz_decompressor.h"
#include "codec/zstd_decompressor.h"

namespace unpackd {

std::unique_ptr<Decompressor> MakeDecompressor(Codec codec, const DecompressorParams& params) {
  switch (codec) {
    case Codec::kStored:
      return MakeStoredDecompressor();
    case Codec::kDeflate:
      return MakeDeflateDecompressor();
    case Codec::kDeflate64:
      return MakeDeflate64Decompressor();
    case Codec::kBzip2:
      return MakeBzip2Decompressor();
    case Codec::kLzma:
      return MakeLzmaDecompressor(params);
    case Codec::kZstd:
      return MakeZstdDecompressor(params);
    case Codec::kXz:
      return MakeXzDecompressor(params);
  }
  return nullptr;
}

}  // namespace unpackd
