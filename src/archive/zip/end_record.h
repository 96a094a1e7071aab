// Finds where the central directory is: the end-of-central-directory record (behind a comment
// of up to 64 KiB), the ZIP64 locator and record, and any data prepended to the archive.
#pragma once

#include "archive/zip/zip_archive.h"

namespace unpackd {

// Reads the archive's tail and returns the directory's location with offsets already shifted
// by the prepended bytes. Throws Error(kArchiveRefused) when no consistent end record exists.
ZipArchiveInfo LocateCentralDirectory(RandomAccessSource& source);

}  // namespace unpackd
