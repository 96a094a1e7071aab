#include "archive/zip/central_directory.h"

#include <algorithm>
#include <cstring>

#include "archive/names.h"
#include "archive/zip/extra_fields.h"
#include "archive/zip/little_endian.h"
#include "archive/zip/zip_format.h"
#include "util/error.h"

namespace unpackd {
namespace {

using namespace zipfmt;

// Sequential reads over [begin, end) of the source through a fixed-size buffer.
class ChunkedReader {
 public:
  ChunkedReader(RandomAccessSource& source, uint64_t begin, uint64_t end, size_t chunk)
      : source_(source), next_(begin), end_(end), chunk_(std::max<size_t>(chunk, 1 << 16)) {}

  // Returns exactly n bytes (valid until the next call) or an empty span at the end.
  std::span<const std::byte> Take(size_t n) {
    if (buf_.size() - pos_ < n) Refill(n);
    if (buf_.size() - pos_ < n) return {};
    auto out = std::span<const std::byte>(buf_).subspan(pos_, n);
    pos_ += n;
    return out;
  }

 private:
  void Refill(size_t need) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
    const size_t want = std::max(need, chunk_);
    while (buf_.size() < want && next_ < end_) {
      const size_t old = buf_.size();
      const size_t n = static_cast<size_t>(std::min<uint64_t>(want - old, end_ - next_));
      buf_.resize(old + n);
      const size_t got = source_.ReadAt(next_, std::span(buf_).subspan(old, n));
      buf_.resize(old + got);
      next_ += got;
      if (got == 0) break;
    }
  }

  RandomAccessSource& source_;
  uint64_t next_;
  uint64_t end_;
  size_t chunk_;
  std::vector<std::byte> buf_;
  size_t pos_ = 0;
};

std::string_view AsText(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Writers without ZIP64 wrap the 16-bit counts past 65,535 members; a ZIP64 count is exact.
bool CountMatches(uint64_t declared, uint64_t held, bool zip64) {
  return zip64 ? declared == held : declared == held % 65536;
}

std::string Bytes(uint64_t n) { return std::to_string(n) + " bytes"; }

}  // namespace

CentralDirectory ReadCentralDirectory(RandomAccessSource& source, const ZipArchiveInfo& info,
                                      const ArchiveOpenOptions& options) {
  if (info.entry_count > options.max_entries) {
    throw Error(ErrorKind::kArchiveRefused, "archive declares " + std::to_string(info.entry_count) +
                                                " members, more than the limit of " +
                                                std::to_string(options.max_entries));
  }
  const uint64_t begin = info.central_directory_offset;
  const uint64_t end = begin + info.central_directory_size;
  if (end > info.archive_size || end < begin) {
    throw Error(ErrorKind::kArchiveRefused, "central directory lies outside the file");
  }
  ChunkedReader reader(source, begin, end, options.directory_read_chunk);
  CentralDirectory directory;
  std::vector<ZipEntry>& entries = directory.records;
  // Never trust the declared count for allocation beyond what the directory's bytes (within
  // the file, checked above) can hold: every record takes at least its fixed header. Reserving
  // that many up front spares a million-entry table the doubling's slack and copies.
  const auto most = static_cast<size_t>(std::min<uint64_t>(
      {info.entry_count, info.central_directory_size / kCentralHeaderSize, options.max_entries}));
  entries.reserve(most);
  directory.sizes.reserve(most);
  // The declared size, not the count, says where the records end (the count may have wrapped);
  // afterwards the two must agree, so no record is dropped without a word.
  const uint64_t size = info.central_directory_size;
  for (uint64_t used = 0; used < size;) {
    const uint64_t i = entries.size();
    const std::string where = "central directory record " + std::to_string(i);
    const uint64_t left = size - used;
    const auto fixed =
        left < kCentralHeaderSize ? std::span<const std::byte>() : reader.Take(kCentralHeaderSize);
    const bool is_record =
        fixed.size() == kCentralHeaderSize && LoadLe32(fixed.data()) == kCentralHeaderSignature;
    if (!is_record && CountMatches(info.entry_count, i, info.zip64)) {
      throw Error(ErrorKind::kArchiveRefused,
                  "the central directory's declared size is " + Bytes(size) + ", but the " +
                      std::to_string(i) + " record(s) the end record counts end after " +
                      Bytes(used) + "; the other " + Bytes(left) + " are not a record",
                  "directory-size-mismatch");
    }
    if (left < kCentralHeaderSize) {
      throw Error(ErrorKind::kArchiveRefused,
                  where + " runs past the directory's declared size of " + Bytes(size));
    }
    if (fixed.empty()) throw Error(ErrorKind::kArchiveRefused, where + " is truncated");
    if (!is_record) throw Error(ErrorKind::kArchiveRefused, where + " has a bad signature");
    if (i == options.max_entries) {
      throw Error(ErrorKind::kArchiveRefused, "the central directory holds more than " +
                                                  std::to_string(options.max_entries) +
                                                  " members, the limit");
    }
    ByteCursor c(fixed);
    c.U32();  // the signature, checked above
    ZipEntry e;
    ZipRecordValues sizes;
    e.version_made_by = c.U16();
    c.U16();  // version needed: tools disagree with their own central directory too often
    e.flags = c.U16();
    e.method = c.U16();
    c.U32();  // time and date: objects carry the extraction's time, not the archive's
    sizes.crc32 = c.U32();
    sizes.compressed_size = c.U32();
    sizes.uncompressed_size = c.U32();
    const uint16_t name_len = c.U16();
    const uint16_t extra_len = c.U16();
    const uint16_t comment_len = c.U16();
    sizes.disk_start = c.U16();
    c.U16();  // internal attributes
    e.external_attributes = c.U32();
    e.local_header_offset = c.U32();
    if (name_len > options.max_name_bytes) {
      throw Error(ErrorKind::kArchiveRefused, where + " has a " + std::to_string(name_len) +
                                                  "-byte name, over the limit of " +
                                                  std::to_string(options.max_name_bytes));
    }
    const size_t variable_len = size_t{name_len} + extra_len + comment_len;
    if (variable_len > left - kCentralHeaderSize) {
      throw Error(ErrorKind::kArchiveRefused,
                  where + " runs past the directory's declared size of " + Bytes(size));
    }
    auto variable = reader.Take(variable_len);
    if (variable.size() != variable_len) {
      throw Error(ErrorKind::kArchiveRefused, where + " is truncated");
    }
    used += kCentralHeaderSize + variable_len;
    e.set_raw_name(directory.strings.Add(AsText(variable.first(name_len))));
    ExtraFields extra = ApplyExtraFields(variable.subspan(name_len, extra_len), false, e, sizes,
                                         where + " ('" + PrintableRawName(e.raw_name()) + "')");
    if (extra.unicode_path) {
      extra.unicode_path->index = static_cast<uint32_t>(i);
      directory.unicode_paths.push_back(std::move(*extra.unicode_path));
    }
    if (!extra.tolerated.empty()) {
      directory.notes.push_back(RecordNote{static_cast<uint32_t>(i), std::move(extra.tolerated)});
    }
    if (sizes.disk_start != 0) {
      throw Error(ErrorKind::kArchiveRefused, where + " starts on disk " +
                                                  std::to_string(sizes.disk_start) +
                                                  ": multi-disk archives are not supported");
    }
    if (e.local_header_offset > UINT64_MAX - info.prepended_bytes) {
      throw Error(ErrorKind::kArchiveRefused, where + " has an impossible local header offset");
    }
    e.local_header_offset += info.prepended_bytes;
    if (e.local_header_offset >= info.central_directory_offset) {
      throw Error(ErrorKind::kArchiveRefused,
                  where + " points to a local header at or after the central directory");
    }
    entries.push_back(e);
    directory.sizes.push_back(sizes);
  }
  if (!CountMatches(info.entry_count, entries.size(), info.zip64)) {
    throw Error(ErrorKind::kArchiveRefused,
                "entry count mismatch: the end record's entry count is " +
                    std::to_string(info.entry_count) + ", but the central directory (" +
                    Bytes(size) + ") holds " + std::to_string(entries.size()) + " records",
                "entry-count-mismatch");
  }
  return directory;
}

}  // namespace unpackd
