// ZipArchive: a ZIP file read through random access, never copied locally.
//
// Open() reads the end records and the central directory (in bounded chunks) and decodes
// names; OpenMember() streams one member's content with CRC-32 and size checks. The archive
// object is immutable after Open() and may be shared by many threads; each MemberReader
// belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "archive/archive_reader.h"
#include "archive/finding.h"
#include "archive/member_reader.h"
#include "archive/zip/name_decoding.h"
#include "archive/zip/zip_entry.h"
#include "io/byte_source.h"
#include "io/random_access_source.h"
#include "util/string_arena.h"

namespace unpackd {

struct ZipArchiveInfo {
  uint64_t archive_size = 0;
  uint64_t prepended_bytes = 0;  // data before the first local header (self-extractors)
  bool zip64 = false;
  uint64_t central_directory_offset = 0;  // as found, after adjusting for prepended bytes
  uint64_t central_directory_size = 0;
  uint64_t entry_count = 0;  // as declared (without ZIP64, possibly wrapped modulo 65,536)
  uint64_t gap_before_end_record = 0;  // bytes between the directory and the (ZIP64) end record
  uint64_t trailing_bytes = 0;         // bytes after the end record's comment
  std::string comment;                 // raw bytes
  NameDecodingReport names;            // which legacy encoding decoded the names, and why
};

// Where a member's compressed bytes are, once its local header has been checked.
struct MemberExtent {
  uint64_t data_offset = 0;      // first compressed byte
  uint64_t data_size = 0;        // compressed size (from the central directory)
  bool data_descriptor = false;  // the local header says a data descriptor follows the data
};

class ZipArchive {
 public:
  // Throws Error(kArchiveRefused) with the reason when the bytes are not a readable ZIP
  // (no consistent end record, truncated, directory outside the file, multi-disk, too many
  // entries; see end_record.h and central_directory.h).
  // `source` must outlive the archive.
  static std::unique_ptr<ZipArchive> Open(RandomAccessSource& source,
                                          const ArchiveOpenOptions& options);

  const ZipArchiveInfo& info() const { return info_; }
  // Every member, format-neutral, in directory order (entries()[i].index == i).
  const std::vector<ArchiveEntry>& entries() const { return entries_; }
  // The ZIP record of `entry` (one of entries()).
  const ZipEntry& record(const ArchiveEntry& entry) const { return records_[entry.index]; }
  // What Open tolerated but a person should know (warnings: malformed extra fields unpackd
  // does not read, ...); ZipReader::StructuralFindings reports them.
  const std::vector<Finding>& findings() const { return findings_; }
  // The name's bytes as stored in the central directory.
  std::string_view RawName(const ArchiveEntry& entry) const;
  RandomAccessSource& source() const { return source_; }
  // Memory the member table holds: entries, records and their strings (the memory plan's
  // figure for it, and what the compactness tests measure).
  size_t table_bytes() const {
    return entries_.capacity() * sizeof(ArchiveEntry) + records_.capacity() * sizeof(ZipEntry) +
           strings_.bytes();
  }

  // Reads and checks the entry's local header (signature, name, method, flags, sizes and CRC
  // where present, data within the file). Names are compared with '\' and '/' alike; a
  // data-descriptor flag set in the central directory alone is accepted when the local CRC
  // and sizes agree. Throws Error(kArchiveRefused) on disagreement.
  MemberExtent LocateMember(const ArchiveEntry& entry) const {
    return LocateMember(entry, source_);
  }
  // The same, reading through `via` (a view of the same archive bytes, e.g. a cached range).
  MemberExtent LocateMember(const ArchiveEntry& entry, RandomAccessSource& via) const;

  // Checks the data descriptor that follows a member whose local header has flag bit 3;
  // accepts 32- and 64-bit sizes, with or without signature. Throws Error(kArchiveRefused)
  // if none agrees with the central directory.
  void CheckDataDescriptor(const ArchiveEntry& entry, const MemberExtent& extent) const {
    CheckDataDescriptor(entry, extent, source_);
  }
  void CheckDataDescriptor(const ArchiveEntry& entry, const MemberExtent& extent,
                           RandomAccessSource& via) const;

  // A reader over `compressed` (which must yield exactly the extent's bytes).
  std::unique_ptr<MemberReader> OpenMember(const ArchiveEntry& entry,
                                           std::unique_ptr<ByteSource> compressed,
                                           const MemberStreamLimits& limits) const;

  // Convenience for tools and tests: LocateMember + CheckDataDescriptor + a chunked read on
  // the calling thread + OpenMember.
  std::unique_ptr<MemberReader> OpenMember(const ArchiveEntry& entry,
                                           const MemberStreamLimits& limits = {},
                                           size_t read_chunk = size_t{4} << 20) const;

  // `records` and `entries` are index-aligned (see Open); their strings view `strings`.
  ZipArchive(RandomAccessSource& source, ZipArchiveInfo info, StringArena strings,
             std::vector<ZipEntry> records, std::vector<ArchiveEntry> entries,
             std::vector<Finding> findings, uint64_t max_decoder_window)
      : source_(source),
        info_(std::move(info)),
        strings_(std::move(strings)),
        records_(std::move(records)),
        entries_(std::move(entries)),
        findings_(std::move(findings)),
        max_decoder_window_(max_decoder_window) {}

 private:
  RandomAccessSource& source_;
  ZipArchiveInfo info_;
  StringArena strings_;  // raw and decoded names, labels
  std::vector<ZipEntry> records_;
  std::vector<ArchiveEntry> entries_;
  std::vector<Finding> findings_;
  uint64_t max_decoder_window_;
};

}  // namespace unpackd
