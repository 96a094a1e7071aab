// Parses central-directory records into ZipEntry values, reading the directory in bounded
// chunks so that memory per entry is fixed whatever the directory's size.
#pragma once

#include <vector>

#include "archive/zip/zip_archive.h"

namespace unpackd {

// Throws Error(kArchiveRefused) on a malformed or truncated directory. Names are left raw
// (ZipArchive::Open decodes them for the whole archive at once).
std::vector<ZipEntry> ReadCentralDirectory(RandomAccessSource& source, const ZipArchiveInfo& info,
                                           const ArchiveOpenOptions& options);

// Applies the extra fields unpackd understands (ZIP64 sizes/offset, Unicode Path, WinZip AES)
// to `entry`. `in_local_header` selects the local header's ZIP64 rule (both sizes present).
void ApplyExtraFields(std::span<const std::byte> extra, bool in_local_header, ZipEntry& entry);

}  // namespace unpackd
