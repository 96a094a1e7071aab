#include "archive/zip/extra_fields.h"

#include <bit>
#include <cstdio>

#include "archive/zip/little_endian.h"
#include "archive/zip/zip_format.h"
#include "util/error.h"

namespace unpackd {
namespace {

using namespace zipfmt;

constexpr uint32_t kSaturated32 = 0xffffffff;
constexpr uint32_t kSaturated16 = 0xffff;

std::string FieldName(uint16_t id) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%04x", static_cast<unsigned>(id));
  switch (id) {
    case kExtraZip64:
      return std::string(hex) + " (ZIP64)";
    case kExtraUnicodePath:
      return std::string(hex) + " (Unicode Path)";
    case kExtraWinZipAes:
      return std::string(hex) + " (WinZip AES)";
    case kExtraExtendedTimestamp:
      return std::string(hex) + " (extended timestamp)";
    default:
      return hex;
  }
}

// Whether unpackd takes anything from the field (see the header for why that decides).
bool IsRead(uint16_t id, bool in_local_header, const ZipEntry& entry) {
  switch (id) {
    case kExtraZip64:
      return true;
    case kExtraUnicodePath:
      return !in_local_header;
    case kExtraWinZipAes:
      return entry.method == kMethodAes;
    default:
      return false;
  }
}

[[noreturn]] void Refuse(std::string_view where, const std::string& why) {
  throw Error(ErrorKind::kArchiveRefused, std::string(where) + ": " + why, "malformed-extra-field");
}

// APPNOTE 4.5.3: a central record holds the values whose fixed-size slot is saturated, in this
// order; a local header holds both sizes. A value the record needs but the field lacks would
// leave 0xFFFFFFFF standing for a size or offset.
void ApplyZip64(ByteCursor field, bool in_local_header, ZipEntry& entry, ZipRecordValues& sizes,
                std::string_view where) {
  auto take = [&](uint64_t& value, bool saturated, size_t width, const char* what) {
    if (!saturated && !in_local_header) return;
    if (field.remaining() < width) {
      if (saturated) {
        Refuse(where, "extra field " + FieldName(kExtraZip64) + " has no room for the " + what +
                          " its header leaves to it");
      }
      return;
    }
    value = width == 8 ? field.U64() : field.U32();
    entry.zip64 = true;
  };
  take(sizes.uncompressed_size, sizes.uncompressed_size == kSaturated32, 8, "uncompressed size");
  take(sizes.compressed_size, sizes.compressed_size == kSaturated32, 8, "compressed size");
  if (in_local_header) return;
  take(entry.local_header_offset, entry.local_header_offset == kSaturated32, 8,
       "local header offset");
  uint64_t disk = sizes.disk_start;
  take(disk, sizes.disk_start == kSaturated16, 4, "disk number");
  sizes.disk_start = static_cast<uint32_t>(disk);
}

// Info-ZIP's extended timestamp: a flags byte, then one 4-byte time per flag bit in a local
// header, but only the modification time in a central record.
bool IsWellFormedTimestamp(std::span<const std::byte> field, bool in_local_header) {
  if (field.empty()) return false;
  const auto flags = static_cast<unsigned>(field[0]);
  const size_t times = in_local_header ? std::popcount(flags & 7u) : (flags & 1u);
  return field.size() >= 1 + 4 * times;
}

}  // namespace

ExtraFields ApplyExtraFields(std::span<const std::byte> extra, bool in_local_header,
                             ZipEntry& entry, ZipRecordValues& sizes, std::string_view where) {
  ExtraFields out;
  auto tolerate = [&](const std::string& what) {
    if (!out.tolerated.empty()) out.tolerated += "; ";
    out.tolerated += what;
  };
  ByteCursor c(extra);
  while (c.remaining() >= 4) {
    const uint16_t id = c.U16();
    const uint16_t len = c.U16();
    if (c.remaining() < len) {
      const std::string what = "extra field " + FieldName(id) + " claims " + std::to_string(len) +
                               " bytes but runs past the extra block (" +
                               std::to_string(c.remaining()) + " left)";
      if (IsRead(id, in_local_header, entry)) Refuse(where, what);
      tolerate(what);
      break;
    }
    const std::span<const std::byte> bytes = c.Bytes(len);
    ByteCursor field(bytes);
    if (id == kExtraZip64) {
      ApplyZip64(field, in_local_header, entry, sizes, where);
    } else if (id == kExtraUnicodePath && !in_local_header) {
      if (len < 5) Refuse(where, "extra field " + FieldName(id) + " is too short for its header");
      if (field.U8() == 1) {  // other versions are not defined; the raw name is used
        out.unicode_path.emplace();
        out.unicode_path->name_crc = field.U32();
        const auto name = field.Bytes(field.remaining());
        out.unicode_path->name.assign(reinterpret_cast<const char*>(name.data()), name.size());
      }
    } else if (id == kExtraWinZipAes && entry.method == kMethodAes) {
      field.U16();  // vendor version
      field.U16();  // "AE"
      field.U8();   // strength
      const uint16_t actual_method = field.U16();
      if (!field.ok()) Refuse(where, "extra field " + FieldName(id) + " is too short");
      entry.aes_encrypted = true;
      entry.method = actual_method;
    } else if (id == kExtraExtendedTimestamp && !IsWellFormedTimestamp(bytes, in_local_header)) {
      tolerate("extra field " + FieldName(id) + " is truncated (" + std::to_string(len) +
               " bytes, fewer than its flags announce)");
    }
  }
  return out;
}

}  // namespace unpackd
