// Decodes member names to valid, NFC-normalized UTF-8.
#pragma once

#include <string>
#include <vector>

#include "archive/zip_entry.h"

namespace unpackd {

struct NameDecodingOptions {
  // Empty: decide per archive (UTF-8 flag, then a valid Unicode Path extra, then detection
  // over all legacy names together). Otherwise a legacy encoding forced for names without the
  // UTF-8 flag: "cp437", "cp949", "shift_jis", "gbk", ...
  std::string forced_encoding;
};

// Sets name and name_encoding for every entry. Never fails: a byte that cannot be decoded
// becomes U+FFFD and the encoding is reported as such.
void DecodeEntryNames(std::vector<ZipEntry>& entries, const NameDecodingOptions& options);

}  // namespace unpackd
