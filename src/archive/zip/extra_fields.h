// The extra fields of a local or central header: the ones unpackd reads (ZIP64 sizes and
// offset, Info-ZIP Unicode Path, WinZip AES) and the rule for malformed ones.
//
// A malformed field unpackd reads (one running past the extra block, or too short for what
// its header says it holds) refuses the archive: a mis-read ZIP64 field moves sizes and
// offsets, and Python's zipfile, yauzl and zip2 refuse such blocks too. A malformed field
// unpackd never reads (an extended timestamp, an unknown id) changes nothing unpackd does, so
// it is tolerated and described for a finding. Fewer than four bytes after the last field are
// padding (zipalign and others leave some) and pass silently.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "archive/zip/zip_entry.h"

namespace unpackd {

struct ExtraFields {
  std::optional<UnicodePathExtra> unicode_path;  // central headers only; its index left 0
  // What is malformed in fields unpackd does not read; empty when nothing is.
  std::string tolerated;
};

// Applies the fields unpackd reads to `entry` and its `sizes`. `in_local_header` selects the local
// header's ZIP64 rule (both sizes present) and ignores Unicode Path extras. Throws
// Error(kArchiveRefused, code "malformed-extra-field"), the message starting with `where`,
// when a field it reads is malformed.
ExtraFields ApplyExtraFields(std::span<const std::byte> extra, bool in_local_header,
                             ZipEntry& entry, ZipRecordValues& sizes, std::string_view where);

}  // namespace unpackd
