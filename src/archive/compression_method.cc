#include "archive/compression_method.h"

#include "archive/bzip2_decompressor.h"
#include "archive/deflate64_decompressor.h"
#include "archive/deflate_decompressor.h"
#include "archive/lzma_decompressor.h"
#include "archive/stored_decompressor.h"
#include "archive/xz_decompressor.h"
#include "archive/zstd_decompressor.h"
#include "util/error.h"

namespace unpackd {

std::string CompressionMethodName(uint16_t method) {
  switch (method) {
    case 0:
      return "stored";
    case 1:
      return "shrink";
    case 2:
    case 3:
    case 4:
    case 5:
      return "reduce";
    case 6:
      return "implode";
    case 8:
      return "deflate";
    case 9:
      return "deflate64";
    case 10:
      return "pkware-dcl-implode";
    case 12:
      return "bzip2";
    case 14:
      return "lzma";
    case 16:
      return "ibm-cmpsc";
    case 18:
      return "ibm-terse";
    case 19:
      return "ibm-lz77";
    case 93:
      return "zstd";
    case 94:
      return "mp3";
    case 95:
      return "xz";
    case 96:
      return "jpeg";
    case 97:
      return "wavpack";
    case 98:
      return "ppmd";
    case 99:
      return "aes";
    default:
      return "method " + std::to_string(method) + " (unknown)";
  }
}

bool IsSupportedCompressionMethod(uint16_t method) {
  switch (method) {
    case 0:
    case 8:
    case 9:
    case 12:
    case 14:
    case 93:
    case 95:
      return true;
    default:
      return false;
  }
}

std::unique_ptr<Decompressor> MakeDecompressor(const DecompressorParams& params) {
  switch (params.method) {
    case 0:
      return MakeStoredDecompressor();
    case 8:
      return MakeDeflateDecompressor();
    case 9:
      return MakeDeflate64Decompressor();
    case 12:
      return MakeBzip2Decompressor();
    case 14:
      return MakeLzmaDecompressor(params);
    case 93:
      return MakeZstdDecompressor(params);
    case 95:
      return MakeXzDecompressor(params);
    default:
      throw Error(ErrorKind::kArchiveRefused, "unsupported compression method " +
                                                  std::to_string(params.method) + " (" +
                                                  CompressionMethodName(params.method) + ")");
  }
}

}  // namespace unpackd
