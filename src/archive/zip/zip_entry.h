// ZipEntry: one central-directory record, with its name decoded to UTF-8.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "archive/archive_entry.h"

namespace unpackd {

struct ZipEntry {
  uint32_t index = 0;  // position in the central directory

  std::string raw_name;       // the name's bytes as stored
  std::string name;           // decoded: valid UTF-8, NFC (set by DecodeEntryNames)
  std::string name_encoding;  // what decoded it: "utf-8", "unicode-path-extra", "cp437", ...
  bool utf8_flag = false;     // general-purpose bit 11
  // Info-ZIP Unicode Path extra field (0x7075): its UTF-8 name and the CRC-32 of the raw
  // name it was written for. Only trusted when that CRC matches raw_name.
  std::optional<std::string> unicode_path;
  uint32_t unicode_path_name_crc = 0;

  uint16_t version_made_by = 0;
  uint16_t version_needed = 0;
  uint16_t flags = 0;
  uint16_t method = 0;  // for WinZip AES (99) this is the real method from the 0x9901 extra
  bool aes_encrypted = false;
  uint32_t dos_datetime = 0;  // (date << 16) | time
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;  // already adjusted for prepended data
  uint32_t disk_start = 0;
  uint16_t internal_attributes = 0;
  uint32_t external_attributes = 0;
  bool zip64 = false;  // sizes or offset came from a ZIP64 extra field

  bool is_encrypted() const { return (flags & 0x1) != 0 || aes_encrypted; }
  bool has_data_descriptor() const { return (flags & 0x8) != 0; }
  bool is_directory() const;
  bool is_symlink() const;
  // Any other non-regular file recorded by a Unix tool (device, fifo, socket).
  bool is_special_file() const;
};

// The entry as the extract layer sees it (kind, codec, sizes, CRC, names).
ArchiveEntry ToArchiveEntry(const ZipEntry& entry);

}  // namespace unpackd
