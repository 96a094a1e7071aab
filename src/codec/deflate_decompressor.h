// Method 8: raw deflate (and gzip members around it), decoded with ISA-L's igzip (see
// docs/ARCHITECTURE.md for why).
#pragma once

#include "codec/decompressor.h"

namespace unpackd {

std::unique_ptr<Decompressor> MakeDeflateDecompressor();

// One gzip member (RFC 1952): header, deflate data and trailer, whose CRC-32 and length are
// checked (Error(kArchiveRefused) on a mismatch). Finishes right after the trailer, having
// consumed nothing past it, so the next member (pigz, `cat a.gz b.gz`) starts there.
std::unique_ptr<Decompressor> MakeGzipMemberDecompressor();

}  // namespace unpackd
