// Parses central-directory records into ZipEntry values, reading the directory in bounded
// chunks so that memory per entry is fixed whatever the directory's size.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "archive/zip/zip_archive.h"

namespace unpackd {

struct CentralDirectory {
  std::vector<ZipEntry> records;                // raw names, in directory order
  std::vector<UnicodePathExtra> unicode_paths;  // sorted by index
};

// Throws Error(kArchiveRefused) on a malformed or truncated directory. Names are left raw
// (ZipArchive::Open decodes them for the whole archive at once).
CentralDirectory ReadCentralDirectory(RandomAccessSource& source, const ZipArchiveInfo& info,
                                      const ArchiveOpenOptions& options);

// Applies the extra fields unpackd understands (ZIP64 sizes/offset, WinZip AES) to `entry`
// and returns its Unicode Path extra, if any (its index left 0). `in_local_header` selects the
// local header's ZIP64 rule (both sizes present) and ignores Unicode Path extras.
std::optional<UnicodePathExtra> ApplyExtraFields(std::span<const std::byte> extra,
                                                 bool in_local_header, ZipEntry& entry);

}  // namespace unpackd
