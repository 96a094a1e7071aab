// ZIP compression methods by APPNOTE number, and the codec that decodes each.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codec/codec.h"

namespace unpackd {

// "deflate", "bzip2", ...; "method 17 (unknown)" for numbers APPNOTE does not name.
std::string ZipMethodName(uint16_t method);

// The codec for `method`, or nullopt when unpackd cannot decode it (shrink, implode, PPMd...).
std::optional<Codec> CodecForZipMethod(uint16_t method);

}  // namespace unpackd
