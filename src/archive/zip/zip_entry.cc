#include "archive/zip/zip_entry.h"

#include "archive/zip/zip_method.h"

namespace unpackd {
namespace {

constexpr uint8_t kHostUnix = 3;
constexpr uint32_t kUnixTypeMask = 0170000;
constexpr uint32_t kUnixDirectory = 0040000;
constexpr uint32_t kUnixRegular = 0100000;
constexpr uint32_t kUnixSymlink = 0120000;
constexpr uint32_t kUnixFifo = 0010000;
constexpr uint32_t kDosDirectory = 0x10;

uint32_t UnixMode(const ZipEntry& e) {
  if ((e.version_made_by >> 8) != kHostUnix) return 0;
  return e.external_attributes >> 16;
}

bool EndsWithSlash(std::string_view s) {
  return !s.empty() && (s.back() == '/' || s.back() == '\\');
}

}  // namespace

bool IsZipDirectory(const ZipEntry& entry, uint64_t size, std::string_view raw_name,
                    std::string_view name) {
  if (EndsWithSlash(name) || EndsWithSlash(raw_name)) return true;
  if ((UnixMode(entry) & kUnixTypeMask) == kUnixDirectory) return true;
  return (entry.external_attributes & kDosDirectory) != 0 && size == 0;
}

bool ZipEntry::is_symlink() const { return (UnixMode(*this) & kUnixTypeMask) == kUnixSymlink; }

bool ZipEntry::is_special_file() const {
  const uint32_t type = UnixMode(*this) & kUnixTypeMask;
  return type != 0 && type != kUnixRegular && type != kUnixDirectory && type != kUnixSymlink;
}

bool ZipEntry::is_fifo() const { return (UnixMode(*this) & kUnixTypeMask) == kUnixFifo; }

EntryKind ZipEntryKind(const ZipEntry& entry, uint64_t size, std::string_view raw_name,
                       std::string_view name) {
  if (IsZipDirectory(entry, size, raw_name, name)) return EntryKind::kDirectory;
  if (entry.is_symlink()) return EntryKind::kSymlink;
  if (entry.is_fifo() && size > 0) return EntryKind::kFile;
  if (entry.is_special_file()) return EntryKind::kSpecial;
  return EntryKind::kFile;
}

std::string ZipMethodLabel(uint16_t method) {
  std::string name = ZipMethodName(method);
  if (CodecForZipMethod(method)) return name;
  // Unsupported methods are named with their APPNOTE number, which is what people search.
  const std::string unknown_prefix = "method ";
  return name.starts_with(unknown_prefix) ? name.substr(unknown_prefix.size())
                                          : std::to_string(method) + " (" + name + ")";
}

ArchiveEntry DescribeZipEntry(const ZipEntry& entry, const ZipRecordValues& sizes, uint32_t index,
                              std::string_view method_name) {
  ArchiveEntry out;
  out.index = index;
  out.codec = CodecForZipMethod(entry.method);
  out.method_name = method_name;
  if (entry.is_encrypted())
    out.encryption = entry.aes_encrypted ? "WinZip AES" : "traditional PKWARE";
  out.size = sizes.uncompressed_size;
  out.stored_size = sizes.compressed_size;
  out.crc32 = sizes.crc32;
  return out;
}

}  // namespace unpackd
