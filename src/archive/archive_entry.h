// ArchiveEntry: one member of an archive as every format describes it. The extract layer plans
// and names objects from these alone; format details (ZIP's local headers, tar's blocks) stay
// behind the format's reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "codec/codec.h"

namespace unpackd {

enum class EntryKind : uint8_t {
  kFile,
  kDirectory,
  kSymlink,
  kHardLink,  // tar's link to an earlier member: skipped like a symbolic link, never followed
  kSpecial,   // device, socket, or a FIFO without data
};

// An archive holds one per member, so an entry owns no string: its strings are views of the
// reader's own storage (or of constants) and live as long as the reader that made the entry.
// 96 bytes (archive_entry_test.cc keeps it there).
struct ArchiveEntry {
  uint32_t index = 0;  // position in the archive's directory (or stream)
  EntryKind kind = EntryKind::kFile;
  // How the member's bytes are stored: the codec when unpackd can decode it (see method_name).
  std::optional<Codec> codec;
  std::string_view name;  // decoded: valid UTF-8 (safe in messages), NFC; not yet normalized
  std::string_view name_encoding;  // what decoded it: "utf-8", "cp949", "ascii", ...

  // The format's own name for the method ("deflate"; with its number when unsupported:
  // "98 (ppmd)").
  std::string_view method_name;
  // Empty when not encrypted; otherwise the scheme ("WinZip AES", "traditional PKWARE").
  std::string_view encryption;

  uint64_t size = 0;         // declared content size; enforced while streaming
  uint64_t stored_size = 0;  // bytes the member occupies in the archive, compressed
  // CRC-32 of the content, when the format records one; checked while streaming.
  std::optional<uint32_t> crc32;

  bool is_file() const { return kind == EntryKind::kFile; }
};

}  // namespace unpackd
