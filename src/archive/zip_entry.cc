#include "archive/zip_entry.h"

namespace unpackd {
namespace {

constexpr uint8_t kHostUnix = 3;
constexpr uint32_t kUnixTypeMask = 0170000;
constexpr uint32_t kUnixDirectory = 0040000;
constexpr uint32_t kUnixRegular = 0100000;
constexpr uint32_t kUnixSymlink = 0120000;
constexpr uint32_t kDosDirectory = 0x10;

uint32_t UnixMode(const ZipEntry& e) {
  if ((e.version_made_by >> 8) != kHostUnix) return 0;
  return e.external_attributes >> 16;
}

}  // namespace

bool ZipEntry::is_directory() const {
  if (!name.empty() && (name.back() == '/' || name.back() == '\\')) return true;
  if (!raw_name.empty() && (raw_name.back() == '/' || raw_name.back() == '\\')) return true;
  if ((UnixMode(*this) & kUnixTypeMask) == kUnixDirectory) return true;
  return (external_attributes & kDosDirectory) != 0 && uncompressed_size == 0;
}

bool ZipEntry::is_symlink() const { return (UnixMode(*this) & kUnixTypeMask) == kUnixSymlink; }

bool ZipEntry::is_special_file() const {
  const uint32_t type = UnixMode(*this) & kUnixTypeMask;
  return type != 0 && type != kUnixRegular && type != kUnixDirectory && type != kUnixSymlink;
}

}  // namespace unpackd
