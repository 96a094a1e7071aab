#include "archive/zip/zip_method.h"

namespace unpackd {

std::string ZipMethodName(uint16_t method) {
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

std::optional<Codec> CodecForZipMethod(uint16_t method) {
  switch (method) {
    case 0:
      return Codec::kStored;
    case 8:
      return Codec::kDeflate;
    case 9:
      return Codec::kDeflate64;
    case 12:
      return Codec::kBzip2;
    case 14:
      return Codec::kLzma;
    case 93:
      return Codec::kZstd;
    case 95:
      return Codec::kXz;
    default:
      return std::nullopt;
  }
}

}  // namespace unpackd
