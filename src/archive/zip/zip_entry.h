// ZipEntry: the ZIP-only facts of one central-directory record. Everything a format-neutral
// reader needs (decoded name, kind, codec, sizes, CRC) is the ArchiveEntry at the same index
// (ZipArchive::entries()); keeping the two apart stores each name once, so the member table
// stays small at any member count.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "archive/archive_entry.h"

namespace unpackd {

// 32 bytes a record (issue 14: a million records are 32 MB): the raw name is a pointer and a
// 32-bit length (ZIP names are at most 65,535 bytes), and the starting disk, refused unless 0,
// is read beside the record (ZipRecordValues) rather than kept.
struct ZipEntry {
  // The name's bytes as stored: a view of the archive's string storage (ZipArchive), which the
  // decoded name shares whenever it is the same bytes.
  std::string_view raw_name() const { return {raw_name_data, raw_name_size}; }
  void set_raw_name(std::string_view name) {
    raw_name_data = name.data();
    raw_name_size = static_cast<uint32_t>(name.size());
  }

  const char* raw_name_data = nullptr;  // read through raw_name()
  uint32_t raw_name_size = 0;
  uint32_t external_attributes = 0;
  uint64_t local_header_offset = 0;  // already adjusted for prepended data
  uint16_t version_made_by = 0;
  uint16_t flags = 0;
  uint16_t method = 0;  // for WinZip AES (99) this is the real method from the 0x9901 extra
  bool aes_encrypted = false;
  bool zip64 = false;  // sizes or offset came from a ZIP64 extra field

  bool utf8_flag() const { return (flags & 0x0800) != 0; }  // general-purpose bit 11
  bool is_encrypted() const { return (flags & 0x1) != 0 || aes_encrypted; }
  bool has_data_descriptor() const { return (flags & 0x8) != 0; }
  bool is_symlink() const;
  // Any other non-regular file recorded by a Unix tool (device, fifo, socket).
  bool is_special_file() const;
  // Recorded as a FIFO: what Info-ZIP writes for data it read from a pipe (`cmd | zip out -`).
  bool is_fifo() const;
};

// A record's CRC-32, sizes and starting disk (after ZIP64). Read beside the record, not kept
// in it: once the table is built the first three are the ArchiveEntry's crc32, stored_size and
// size, stored once, and a disk other than 0 has refused the archive.
struct ZipRecordValues {
  uint32_t crc32 = 0;
  uint32_t disk_start = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
};

// An Info-ZIP Unicode Path extra field (0x7075): the UTF-8 name of record `index` and the
// CRC-32 of the raw name it was written for (trusted only when that CRC matches). Rare, so
// kept beside the records rather than in each.
struct UnicodePathExtra {
  uint32_t index = 0;
  uint32_t name_crc = 0;
  std::string name;
};

// Whether the record is a directory: a name ending in a slash (raw or decoded, either slash)
// or directory attributes (with no content: `size` is the uncompressed size).
bool IsZipDirectory(const ZipEntry& entry, uint64_t size, std::string_view raw_name,
                    std::string_view name);

// How ArchiveEntry::method_name spells `method`: the APPNOTE name, with its number when
// unpackd cannot decode it ("98 (ppmd)").
std::string ZipMethodLabel(uint16_t method);

// The entry as the extract layer sees it, except its name and name_encoding (set by
// DecodeEntryNames) and its kind (which depends on the decoded name; see ZipEntryKind).
// `method_name` is ZipMethodLabel(entry.method), kept where it outlives the entry.
ArchiveEntry DescribeZipEntry(const ZipEntry& entry, const ZipRecordValues& sizes, uint32_t index,
                              std::string_view method_name);

// A FIFO that holds data is a file: only `zip -` reading a pipe writes one (no archiver stores
// a named pipe itself), and every other reader extracts it (ZipArchive reports it). Devices,
// sockets and an empty FIFO stay kSpecial.
EntryKind ZipEntryKind(const ZipEntry& entry, uint64_t size, std::string_view raw_name,
                       std::string_view name);

}  // namespace unpackd
