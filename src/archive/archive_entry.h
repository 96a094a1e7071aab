// ArchiveEntry: one member of an archive as every format describes it. The extract layer plans
// and names objects from these alone; format details (ZIP's local headers, tar's blocks) stay
// behind the format's reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "codec/codec.h"

namespace unpackd {

enum class EntryKind {
  kFile,
  kDirectory,
  kSymlink,
  kHardLink,  // tar's link to an earlier member: skipped like a symbolic link, never followed
  kSpecial,   // device, socket, or a FIFO without data
};

struct ArchiveEntry {
  uint32_t index = 0;         // position in the archive's directory (or stream)
  std::string name;           // decoded: valid UTF-8 (safe in messages), NFC; not yet normalized
  std::string name_encoding;  // what decoded it: "utf-8", "cp949", "ascii", ...
  EntryKind kind = EntryKind::kFile;

  // How the member's bytes are stored: the codec when unpackd can decode it, and the format's
  // own name for the method ("deflate"; with its number when unsupported: "98 (ppmd)").
  std::optional<Codec> codec;
  std::string method_name;
  // Empty when not encrypted; otherwise the scheme ("WinZip AES", "traditional PKWARE").
  std::string encryption;

  uint64_t size = 0;         // declared content size; enforced while streaming
  uint64_t stored_size = 0;  // bytes the member occupies in the archive, compressed
  // CRC-32 of the content, when the format records one; checked while streaming.
  std::optional<uint32_t> crc32;

  bool is_file() const { return kind == EntryKind::kFile; }
};

}  // namespace unpackd
