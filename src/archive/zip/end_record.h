// Finds where the central directory is: the end-of-central-directory record (behind a comment
// of up to 64 KiB), the ZIP64 locator and record, and any data prepended to the archive; and
// reads the directory it describes.
//
// Which end record counts: an archive comment can hold a complete second record (a decoy
// describing another directory), a "PK\6\7" at the end of the last central record can look
// like a ZIP64 locator, and a comment length can run past the end of the file. So every
// record in the tail is read, and one is taken only when it is consistent: its ZIP64 locator
// valid or ignored, its counts agreeing, its directory where it says (directly before it, or
// at its offset with a gap before the end record that holds no further record) and its entries
// parsing. Two records describing different directories refuse the archive; so does a chosen
// record whose comment runs past the end of the file. Bytes after the comment are tolerated
// and reported (ZipArchiveInfo::trailing_bytes), as are bytes between the directory and the
// end record (gap_before_end_record).
#pragma once

#include "archive/zip/central_directory.h"
#include "archive/zip/zip_archive.h"

namespace unpackd {

struct LocatedDirectory {
  ZipArchiveInfo info;  // offsets already shifted by the prepended bytes
  CentralDirectory directory;
};

// Throws Error(kArchiveRefused) with the reason when no end record is consistent, or when two
// describe different directories.
LocatedDirectory LocateCentralDirectory(RandomAccessSource& source,
                                        const ArchiveOpenOptions& options);

}  // namespace unpackd
