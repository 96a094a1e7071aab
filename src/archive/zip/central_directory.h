// Parses central-directory records into ZipEntry values, reading the directory in bounded
// chunks so that memory per entry is fixed whatever the directory's size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "archive/zip/zip_archive.h"
#include "util/string_arena.h"

namespace unpackd {

// Something malformed but harmless in record `index` (an extra field unpackd does not read),
// for a finding. Rare, so kept beside the records like UnicodePathExtra.
struct RecordNote {
  uint32_t index = 0;
  std::string message;
};

struct CentralDirectory {
  StringArena strings;                          // the raw names (ZipEntry::raw_name views them)
  std::vector<ZipEntry> records;                // raw names, in directory order
  std::vector<ZipRecordValues> sizes;           // per record; ZipArchive::Open moves them on
  std::vector<UnicodePathExtra> unicode_paths;  // sorted by index
  std::vector<RecordNote> notes;                // sorted by index
};

// Reads records until the directory's declared size is consumed, then checks that their
// number is the end record's count (modulo 65,536 without ZIP64: writers wrap that 16-bit
// field). Throws Error(kArchiveRefused) on a malformed or truncated directory, a declared size
// covering bytes that are no record, or a count that disagrees. Names are left raw
// (ZipArchive::Open decodes them for the whole archive at once).
CentralDirectory ReadCentralDirectory(RandomAccessSource& source, const ZipArchiveInfo& info,
                                      const ArchiveOpenOptions& options);

}  // namespace unpackd
