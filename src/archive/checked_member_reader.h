// The MemberReader every format uses: stored bytes -> Decompressor -> content, with the
// declared size, the CRC-32 and the limits checked as bytes arrive.
#pragma once

#include <memory>
#include <string>

#include "archive/archive_entry.h"
#include "archive/member_reader.h"
#include "codec/decompressor.h"
#include "io/byte_source.h"

namespace unpackd {

// `entry.codec` must be set. `label` names the member in errors ("member 'a/b.txt'"). Throws
// Error(kArchiveRefused) when the decoder refuses `params` (a dictionary over its limit).
std::unique_ptr<MemberReader> MakeCheckedMemberReader(const ArchiveEntry& entry,
                                                      const DecompressorParams& params,
                                                      std::string label,
                                                      std::unique_ptr<ByteSource> stored,
                                                      const MemberStreamLimits& limits);

}  // namespace unpackd
