// The MemberReader implementation: compressed chunks -> Decompressor -> checked bytes.
#pragma once

#include "archive/zip_archive.h"

namespace unpackd {

// `label` names the member in errors ("result.zip: member 'a/b.txt'").
std::unique_ptr<MemberReader> MakeCheckedMemberReader(
    const ZipEntry& entry, std::string label, std::unique_ptr<CompressedByteSource> compressed,
    const MemberStreamLimits& limits);

}  // namespace unpackd
