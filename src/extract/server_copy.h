// Server-side copy of stored members: a ZIP member kept as is (no compression, no
// encryption) is a byte range of the archive, so a store that can copy ranges of its own
// objects (ObjectStore::CopyRange: S3's UploadPartCopy) makes the member's object without its
// bytes passing through this process. Its CRC-32 is then checked by the server's full-object
// checksum when one comes back, else as ServerCopyOptions::check says.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "archive/archive_entry.h"
#include "archive/archive_reader.h"
#include "store/object_store.h"

namespace unpackd {

enum class ServerCopyMode {
  kAuto,  // copy when the store can; a store or server that cannot streams instead
  kOn,    // copy; a store or server that cannot fails the job (code "server-copy-unsupported")
  kOff,   // always stream
};

enum class CopyCheck {
  kReadBack,  // read the new object back (ranged GETs) and compute its CRC-32; nothing kept
  kTrust,     // trust the server's copy; the manifest says the CRC was not checked
};

struct ServerCopyOptions {
  ServerCopyMode mode = ServerCopyMode::kAuto;
  // Members smaller than this stream (a copy costs the same requests as a small upload).
  uint64_t min_size = uint64_t{8} << 20;
  CopyCheck check = CopyCheck::kReadBack;
};

enum class ServerCopyOutcome {
  kUnsupported,  // nothing written: the caller streams the member
  kChecked,      // written, CRC-32 checked
  kTrusted,      // written, CRC-32 unchecked (CopyCheck::kTrust)
};

// Copies `entry`'s content, the bytes `range` of `archive` (pinned to `archive_etag`), into
// `dest` with `write` (MemberWriteOptions: the streaming path's metadata and content type).
// A CRC-32 that disagrees with the entry's deletes the new object and throws
// Error(kArchiveRefused, "crc-mismatch") naming both. `buffer` is the read-back's chunk.
// Store errors propagate (the store leaves no object behind).
ServerCopyOutcome CopyMemberOnServer(ObjectStore& store, const ObjectRef& archive,
                                     const std::string& archive_etag, const ArchiveEntry& entry,
                                     ByteRange range, const ObjectRef& dest,
                                     const WriteOptions& write, CopyCheck check,
                                     std::span<std::byte> buffer);

// "auto" / "on" / "off" and "read-back" / "trust", as options and configuration spell them.
// Throw Error(kUsage) for anything else.
ServerCopyMode ParseServerCopyMode(const std::string& text);
CopyCheck ParseCopyCheck(const std::string& text);

}  // namespace unpackd
