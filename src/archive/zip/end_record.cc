#include "archive/zip/end_record.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "archive/zip/little_endian.h"
#include "archive/zip/zip_format.h"
#include "io/read_up_to.h"
#include "util/error.h"

namespace unpackd {
namespace {

using namespace zipfmt;

struct EndRecord {
  uint64_t position = 0;  // of the signature in the file
  uint32_t disk = 0, cd_disk = 0;
  uint64_t entries_on_disk = 0, entries = 0, cd_size = 0, cd_offset = 0;
  std::string comment;
};

std::optional<EndRecord> ParseEndRecord(std::span<const std::byte> tail, size_t at,
                                        uint64_t tail_start) {
  ByteCursor c(tail.subspan(at));
  EndRecord r;
  r.position = tail_start + at;
  c.U32();
  r.disk = c.U16();
  r.cd_disk = c.U16();
  r.entries_on_disk = c.U16();
  r.entries = c.U16();
  r.cd_size = c.U32();
  r.cd_offset = c.U32();
  const uint16_t comment_len = c.U16();
  if (!c.ok() || c.remaining() < comment_len) return std::nullopt;
  auto comment = c.Bytes(comment_len);
  r.comment.assign(reinterpret_cast<const char*>(comment.data()), comment.size());
  return r;
}

// Overrides the 16/32-bit fields with the ZIP64 record's when a locator precedes the end record.
void ApplyZip64(RandomAccessSource& source, EndRecord& r, ZipArchiveInfo& info) {
  if (r.position < kZip64LocatorSize) return;
  const uint64_t locator_pos = r.position - kZip64LocatorSize;
  auto loc = ReadUpTo(source, locator_pos, kZip64LocatorSize);
  if (loc.size() < kZip64LocatorSize || LoadLe32(loc.data()) != kZip64LocatorSignature) return;
  ByteCursor lc(loc);
  lc.U32();
  const uint32_t zip64_disk = lc.U32();
  const uint64_t recorded = lc.U64();
  const uint32_t total_disks = lc.U32();
  if (zip64_disk != 0 || total_disks > 1) info.multi_disk = true;

  // The record normally sits where the locator says; with prepended data it sits directly
  // before the locator instead.
  std::vector<uint64_t> candidates{recorded};
  if (locator_pos >= kZip64EndOfCentralDirSize) {
    candidates.push_back(locator_pos - kZip64EndOfCentralDirSize);
  }
  for (uint64_t pos : candidates) {
    if (pos >= locator_pos) continue;
    auto rec = ReadUpTo(source, pos, kZip64EndOfCentralDirSize);
    if (rec.size() < kZip64EndOfCentralDirSize ||
        LoadLe32(rec.data()) != kZip64EndOfCentralDirSignature) {
      continue;
    }
    ByteCursor c(rec);
    c.U32();
    c.U64();  // record size
    c.U16();  // version made by
    c.U16();  // version needed
    r.disk = c.U32();
    r.cd_disk = c.U32();
    r.entries_on_disk = c.U64();
    r.entries = c.U64();
    r.cd_size = c.U64();
    r.cd_offset = c.U64();
    r.position = pos;  // the directory ends where the ZIP64 record starts
    info.zip64 = true;
    return;
  }
  throw Error(ErrorKind::kArchiveRefused,
              "ZIP64 locator points at no ZIP64 end-of-central-directory record");
}

// Checks that the directory the record describes fits in the file and starts with a central
// header; returns the prepended-byte count that makes it so.
std::optional<uint64_t> ValidateLocation(RandomAccessSource& source, const EndRecord& r) {
  if (r.cd_size > r.position) return std::nullopt;
  const uint64_t actual_start = r.position - r.cd_size;
  if (r.cd_offset > actual_start) return std::nullopt;  // directory would overlap the end record
  const uint64_t prepended = actual_start - r.cd_offset;
  if (r.entries == 0) return prepended;
  auto sig = ReadUpTo(source, actual_start, 4);
  if (sig.size() < 4 || LoadLe32(sig.data()) != kCentralHeaderSignature) return std::nullopt;
  return prepended;
}

}  // namespace

ZipArchiveInfo LocateCentralDirectory(RandomAccessSource& source) {
  const uint64_t size = source.size();
  if (size < kEndOfCentralDirSize) {
    throw Error(ErrorKind::kArchiveRefused,
                "not a ZIP archive: " + std::to_string(size) + " bytes is too small");
  }
  const size_t tail_len =
      static_cast<size_t>(std::min<uint64_t>(size, kEndOfCentralDirSize + kMaxCommentSize));
  const uint64_t tail_start = size - tail_len;
  const auto tail = ReadUpTo(source, tail_start, tail_len);
  if (tail.size() != tail_len) {
    throw Error(ErrorKind::kIo, "short read of the archive's end record");
  }

  // Candidates from the back. An archive comment may itself contain a fake end record, so a
  // candidate only counts if its comment ends exactly at the end of the file (first pass) or
  // at least fits in it (second pass, for archives with trailing junk), and the directory it
  // points to really starts with a central header.
  bool saw_signature = false;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = tail_len - kEndOfCentralDirSize + 1; i-- > 0;) {
      if (LoadLe32(tail.data() + i) != kEndOfCentralDirSignature) continue;
      saw_signature = true;
      auto record = ParseEndRecord(tail, i, tail_start);
      if (!record) continue;
      const bool exact = i + kEndOfCentralDirSize + record->comment.size() == tail_len;
      if (pass == 0 && !exact) continue;
      ZipArchiveInfo info;
      info.archive_size = size;
      info.comment = record->comment;
      ApplyZip64(source, *record, info);
      if (record->disk != 0 || record->cd_disk != 0 || record->entries_on_disk != record->entries) {
        info.multi_disk = true;
      }
      auto prepended = ValidateLocation(source, *record);
      if (!prepended) continue;
      info.prepended_bytes = *prepended;
      info.central_directory_offset = record->cd_offset + *prepended;
      info.central_directory_size = record->cd_size;
      info.entry_count = record->entries;
      return info;
    }
  }
  if (saw_signature) {
    throw Error(ErrorKind::kArchiveRefused,
                "central directory lies outside the file or is corrupt (the end record points "
                "to no central directory)");
  }
  throw Error(ErrorKind::kArchiveRefused,
              "not a ZIP archive: no end-of-central-directory record (truncated, or another "
              "format)");
}

}  // namespace unpackd
