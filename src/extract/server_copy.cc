#include "extract/server_copy.h"

#include <algorithm>

#include "codec/crc32.h"
#include "extract/manifest.h"
#include "util/error.h"

namespace unpackd {
namespace {

// The CRC-32 of `ref` as stored now, read in `buffer`-sized ranged reads.
uint32_t ReadBackCrc32(ObjectStore& store, const ObjectRef& ref, uint64_t size,
                       std::span<std::byte> buffer) {
  const auto object = store.OpenForRead(ref);
  uint32_t crc = 0;
  uint64_t offset = 0;
  while (offset < size) {
    const size_t n = object->ReadAt(
        offset,
        buffer.first(static_cast<size_t>(std::min<uint64_t>(buffer.size(), size - offset))));
    if (n == 0) break;
    crc = Crc32Update(crc, buffer.first(n));
    offset += n;
  }
  if (offset != size || object->size() != size) {
    throw Error(ErrorKind::kIo, "reading back " + ref.ToString() + ": " +
                                    std::to_string(object->size()) + " bytes, expected " +
                                    std::to_string(size));
  }
  return crc;
}

}  // namespace

ServerCopyOutcome CopyMemberOnServer(ObjectStore& store, const ObjectRef& archive,
                                     const std::string& archive_etag, const ArchiveEntry& entry,
                                     ByteRange range, const ObjectRef& dest,
                                     const WriteOptions& write, CopyCheck check,
                                     std::span<std::byte> buffer) {
  const std::optional<CopiedObject> copied =
      store.CopyRange(archive, archive_etag, range.begin, range.end - range.begin, dest, write);
  if (!copied) return ServerCopyOutcome::kUnsupported;
  std::optional<uint32_t> crc = copied->crc32;
  if (!crc && entry.crc32 && check == CopyCheck::kReadBack) {
    try {
      crc = ReadBackCrc32(store, dest, entry.size, buffer);
    } catch (...) {
      store.Delete(dest);
      throw;
    }
  }
  if (!crc || !entry.crc32) return ServerCopyOutcome::kTrusted;
  if (*crc != *entry.crc32) {
    store.Delete(dest);
    throw Error(ErrorKind::kArchiveRefused,
                std::string(entry.name) + ": CRC-32 of the bytes copied on the server is " +
                    Crc32Hex(*crc) + ", the archive says " + Crc32Hex(*entry.crc32) +
                    " (the object was deleted)",
                "crc-mismatch");
  }
  return ServerCopyOutcome::kChecked;
}

ServerCopyMode ParseServerCopyMode(const std::string& text) {
  if (text == "auto") return ServerCopyMode::kAuto;
  if (text == "on") return ServerCopyMode::kOn;
  if (text == "off") return ServerCopyMode::kOff;
  throw Error(ErrorKind::kUsage, "server copy '" + text + "': expected auto, on or off");
}

CopyCheck ParseCopyCheck(const std::string& text) {
  if (text == "read-back") return CopyCheck::kReadBack;
  if (text == "trust") return CopyCheck::kTrust;
  throw Error(ErrorKind::kUsage, "copy check '" + text + "': expected read-back or trust");
}

}  // namespace unpackd
