#include "archive/zip/end_record.h"

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "archive/zip/little_endian.h"
#include "archive/zip/zip_format.h"
#include "io/read_up_to.h"
#include "util/error.h"

namespace unpackd {
namespace {

using namespace zipfmt;

// No writer puts more end-record signatures than this in an archive's tail; reading more would
// only cost requests.
constexpr size_t kMaxEndRecords = 16;
// Reading a directory costs as much as the directory is large; a real one and a decoy need two.
constexpr size_t kMaxDirectoryReads = 3;

// The archive's last 64 KiB + 22 bytes, where every end record starts. Reads inside it cost
// nothing (on S3 every other read is a ranged GET).
class Tail {
 public:
  explicit Tail(RandomAccessSource& source) : source_(source), size_(source.size()) {
    if (size_ < kEndOfCentralDirSize) {
      throw Error(ErrorKind::kArchiveRefused,
                  "not a ZIP archive: " + std::to_string(size_) + " bytes is too small");
    }
    const size_t len =
        static_cast<size_t>(std::min<uint64_t>(size_, kEndOfCentralDirSize + kMaxCommentSize));
    start_ = size_ - len;
    bytes_ = ReadUpTo(source, start_, len);
    if (bytes_.size() != len) throw Error(ErrorKind::kIo, "short read of the archive's end record");
  }

  uint64_t size() const { return size_; }
  uint64_t start() const { return start_; }
  std::span<const std::byte> bytes() const { return bytes_; }

  // Up to `n` bytes at `offset`; fewer only where the file ends.
  std::vector<std::byte> Read(uint64_t offset, size_t n) const {
    if (offset >= start_ && offset - start_ <= bytes_.size() &&
        n <= bytes_.size() - (offset - start_)) {
      const auto at = bytes_.begin() + static_cast<std::ptrdiff_t>(offset - start_);
      return std::vector<std::byte>(at, at + static_cast<std::ptrdiff_t>(n));
    }
    return ReadUpTo(source_, offset, n);
  }

  bool HasSignature(uint64_t offset, uint32_t signature) const {
    const auto b = Read(offset, 4);
    return b.size() == 4 && LoadLe32(b.data()) == signature;
  }

 private:
  RandomAccessSource& source_;
  uint64_t size_;
  uint64_t start_ = 0;
  std::vector<std::byte> bytes_;
};

// The fields an end record and a ZIP64 end record share.
struct DirectoryFields {
  uint32_t disk = 0, cd_disk = 0;
  uint64_t entries_on_disk = 0, entries = 0, cd_size = 0, cd_offset = 0;
};

// Both records hold them in the same order; the ZIP64 one twice as wide.
DirectoryFields ReadDirectoryFields(ByteCursor& c, bool zip64) {
  DirectoryFields f;
  f.disk = zip64 ? c.U32() : c.U16();
  f.cd_disk = zip64 ? c.U32() : c.U16();
  f.entries_on_disk = zip64 ? c.U64() : c.U16();
  f.entries = zip64 ? c.U64() : c.U16();
  f.cd_size = zip64 ? c.U64() : c.U32();
  f.cd_offset = zip64 ? c.U64() : c.U32();
  return f;
}

struct EndRecord {
  uint64_t position = 0;     // of the signature
  uint64_t comment_end = 0;  // where its comment ends; past the file's end when it lies
  DirectoryFields fields;
  // A bare signature and zeros (some comments hold one): it describes no member, so it counts
  // only when there is nothing else.
  bool empty() const {
    return fields.entries == 0 && fields.entries_on_disk == 0 && fields.cd_size == 0;
  }
};

std::string At(uint64_t offset) { return "at offset " + std::to_string(offset); }

// Every record in the tail, last first.
std::vector<EndRecord> FindEndRecords(const Tail& tail) {
  std::vector<EndRecord> records;
  const auto bytes = tail.bytes();
  for (size_t i = bytes.size() - kEndOfCentralDirSize + 1; i-- > 0;) {
    if (LoadLe32(bytes.data() + i) != kEndOfCentralDirSignature) continue;
    if (records.size() == kMaxEndRecords) {
      throw Error(ErrorKind::kArchiveRefused,
                  "more than " + std::to_string(kMaxEndRecords) +
                      " end-of-central-directory signatures in the archive's last 64 KiB",
                  "ambiguous-end-record");
    }
    ByteCursor c(bytes.subspan(i, kEndOfCentralDirSize));
    EndRecord r;
    r.position = tail.start() + i;
    c.U32();
    r.fields = ReadDirectoryFields(c, false);
    r.comment_end = r.position + kEndOfCentralDirSize + c.U16();
    records.push_back(r);
  }
  return records;
}

// The plain record holds each value, or all ones for "see the ZIP64 record"; some writers keep
// the low bits of a count there instead.
bool PlainAgreesWithZip64(const DirectoryFields& plain, const DirectoryFields& wide) {
  auto agrees = [](uint64_t narrow, uint64_t value, uint64_t ones) {
    return narrow == ones || narrow == (value & ones);
  };
  return agrees(plain.disk, wide.disk, 0xffff) && agrees(plain.cd_disk, wide.cd_disk, 0xffff) &&
         agrees(plain.entries_on_disk, wide.entries_on_disk, 0xffff) &&
         agrees(plain.entries, wide.entries, 0xffff) &&
         agrees(plain.cd_size, wide.cd_size, 0xffffffff) &&
         agrees(plain.cd_offset, wide.cd_offset, 0xffffffff);
}

struct Zip64End {
  uint64_t position = 0;  // of the ZIP64 record: the directory ends there at the latest
  DirectoryFields fields;
};

// The ZIP64 end record named by a locator directly before `r`, if the locator is a real one:
// one disk, a ZIP64 record with its signature at the offset the locator names (or directly
// before the locator, when data was prepended to the archive) and values the plain record does
// not contradict. Anything else, such as "PK\6\7" ending the last central record's name, is
// no locator: `ignored` says why, and the plain record is read as it stands.
std::optional<Zip64End> ReadZip64End(const Tail& tail, const EndRecord& r, std::string& ignored) {
  if (r.position < kZip64LocatorSize + kZip64EndOfCentralDirSize) return std::nullopt;
  const uint64_t locator = r.position - kZip64LocatorSize;
  const auto bytes = tail.Read(locator, kZip64LocatorSize);
  if (LoadLe32(bytes.data()) != kZip64LocatorSignature) return std::nullopt;
  ByteCursor lc(bytes);
  lc.U32();
  const uint32_t record_disk = lc.U32();
  const uint64_t recorded = lc.U64();
  const uint32_t disks = lc.U32();
  const std::string what = "a ZIP64 locator " + At(locator) + " was ignored: ";
  if (record_disk != 0 || disks > 1) {
    ignored =
        what + "it names disk " + std::to_string(record_disk) + " of " + std::to_string(disks);
    return std::nullopt;
  }
  ignored = what + "no ZIP64 end record at the offset it names (" + std::to_string(recorded) + ")";
  const uint64_t latest = locator - kZip64EndOfCentralDirSize;
  for (const uint64_t pos : {recorded, latest}) {
    if (pos > latest) continue;
    const auto rec = tail.Read(pos, kZip64EndOfCentralDirSize);
    if (LoadLe32(rec.data()) != kZip64EndOfCentralDirSignature) continue;
    ByteCursor c(rec);
    c.U32();
    const uint64_t record_size = c.U64();  // after this field, extensible data included
    c.U16();                               // version made by
    c.U16();                               // version needed
    const Zip64End end{pos, ReadDirectoryFields(c, true)};
    if (record_size < kZip64EndOfCentralDirSize - 12 || record_size > locator - pos - 12) {
      ignored = what + "the ZIP64 end record " + At(pos) + " gives its size as " +
                std::to_string(record_size) + " bytes, which does not fit before the locator";
      continue;
    }
    if (!PlainAgreesWithZip64(r.fields, end.fields)) {
      ignored = what + "the end record contradicts the ZIP64 end record " + At(pos);
      continue;
    }
    ignored.clear();
    return end;
  }
  return std::nullopt;
}

// Whether the first record of a directory at `start` points at a local header once
// `prepended` is added; unknown (true) when its offset is in a ZIP64 extra.
bool FirstRecordFindsItsLocalHeader(const Tail& tail, uint64_t start, uint64_t prepended) {
  const auto record = tail.Read(start, kCentralHeaderSize);
  if (record.size() < kCentralHeaderSize) return false;
  constexpr size_t kLocalHeaderOffsetField = 42;  // APPNOTE 4.3.12
  const uint32_t offset = LoadLe32(record.data() + kLocalHeaderOffsetField);
  return offset == 0xffffffff || tail.HasSignature(offset + prepended, kLocalHeaderSignature);
}

struct Placement {
  uint64_t prepended = 0;  // data before the archive (self-extractors)
  uint64_t gap = 0;        // bytes between the directory and the (ZIP64) end record
};

// Where the directory lies, given that it ends at `end` at the latest: directly before it
// (any difference from the recorded offset is data prepended to the archive), or at the
// recorded offset with a gap before `end`. When both readings find a central header, the one
// whose first record reaches a local header wins. Returns the problem instead when neither
// reading works.
std::variant<Placement, std::string> PlaceDirectory(const Tail& tail, const DirectoryFields& f,
                                                    uint64_t end) {
  const std::string described =
      "the central directory (" + std::to_string(f.cd_size) + " bytes " + At(f.cd_offset) + ")";
  if (f.cd_size > end || f.cd_offset > end - f.cd_size) {
    return described + " does not fit before the end record " + At(end);
  }
  const uint64_t adjacent = end - f.cd_size;
  const bool no_records = f.entries == 0 && f.cd_size == 0;
  std::optional<Placement> before_end;
  if (no_records || tail.HasSignature(adjacent, kCentralHeaderSignature)) {
    before_end = Placement{adjacent - f.cd_offset, 0};
  }
  const bool at_offset =
      adjacent > f.cd_offset && tail.HasSignature(f.cd_offset, kCentralHeaderSignature);
  if (before_end && (before_end->prepended == 0 || !at_offset ||
                     FirstRecordFindsItsLocalHeader(tail, adjacent, before_end->prepended) ||
                     !FirstRecordFindsItsLocalHeader(tail, f.cd_offset, 0))) {
    return *before_end;
  }
  if (!at_offset) return described + " is not where the end record says";
  const uint64_t directory_end = f.cd_offset + f.cd_size;
  if (tail.HasSignature(directory_end, kCentralHeaderSignature)) {
    return "a central-directory record lies after the directory's declared end (" +
           At(directory_end) + "): the end record's size and count leave members out";
  }
  return Placement{0, end - directory_end};
}

// A record read with its ZIP64 end record and its directory placed, or why it cannot be.
std::variant<ZipArchiveInfo, std::string> ReadEndRecord(const Tail& tail, const EndRecord& r) {
  ZipArchiveInfo info;
  info.archive_size = tail.size();
  DirectoryFields f = r.fields;
  uint64_t end = r.position;
  std::string locator_ignored;
  if (auto zip64 = ReadZip64End(tail, r, locator_ignored)) {
    f = zip64->fields;
    end = zip64->position;
    info.zip64 = true;
  }
  auto problem = [&](const std::string& why) -> std::string {
    return locator_ignored.empty() ? why : why + " (" + locator_ignored + ")";
  };
  if (f.disk != 0 || f.cd_disk != 0) {
    return problem("multi-disk (split or spanned) archives are not supported (this is disk " +
                   std::to_string(f.disk) + ", the directory starts on disk " +
                   std::to_string(f.cd_disk) + ")");
  }
  if (f.entries_on_disk != f.entries) {
    return problem("the end record's entry counts disagree (" + std::to_string(f.entries_on_disk) +
                   " on this disk, " + std::to_string(f.entries) + " in all)");
  }
  auto placed = PlaceDirectory(tail, f, end);
  if (auto* why = std::get_if<std::string>(&placed)) return problem(*why);
  const Placement& place = std::get<Placement>(placed);
  info.prepended_bytes = place.prepended;
  info.gap_before_end_record = place.gap;
  info.central_directory_offset = f.cd_offset + place.prepended;
  info.central_directory_size = f.cd_size;
  info.entry_count = f.entries;
  return info;
}

// Two empty directories are the same whatever their offsets: neither holds a member.
bool SameDirectory(const ZipArchiveInfo& a, const ZipArchiveInfo& b) {
  const auto empty = [](const ZipArchiveInfo& i) {
    return i.entry_count == 0 && i.central_directory_size == 0;
  };
  if (empty(a) && empty(b)) return true;
  return a.prepended_bytes == b.prepended_bytes &&
         a.central_directory_offset == b.central_directory_offset &&
         a.central_directory_size == b.central_directory_size && a.entry_count == b.entry_count;
}

// How well a record's comment fits the file: reaching its end (2), followed by bytes (1),
// running past it (0).
int CommentFit(const EndRecord& r, uint64_t size) {
  return r.comment_end == size ? 2 : r.comment_end < size ? 1 : 0;
}

// Takes the comment (and what follows it) from the record chosen for the directory.
void TakeComment(const Tail& tail, const EndRecord& r, ZipArchiveInfo& info) {
  if (r.comment_end > tail.size()) {
    throw Error(ErrorKind::kArchiveRefused,
                "the end-of-central-directory record " + At(r.position) +
                    " describes the central directory, but its comment runs " +
                    std::to_string(r.comment_end - tail.size()) +
                    " bytes past the end of the file (truncated?)",
                "truncated-end-record");
  }
  const uint64_t comment = r.position + kEndOfCentralDirSize;
  const auto bytes = tail.Read(comment, static_cast<size_t>(r.comment_end - comment));
  info.comment.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  info.trailing_bytes = tail.size() - r.comment_end;
}

}  // namespace

LocatedDirectory LocateCentralDirectory(RandomAccessSource& source,
                                        const ArchiveOpenOptions& options) {
  const Tail tail(source);
  const std::vector<EndRecord> records = FindEndRecords(tail);
  if (records.empty()) {
    throw Error(ErrorKind::kArchiveRefused,
                "not a ZIP archive: no end-of-central-directory record (truncated, or another "
                "format)");
  }

  // Records describing no member count only when no record describes any.
  const bool any_members =
      std::any_of(records.begin(), records.end(), [](const EndRecord& r) { return !r.empty(); });
  std::optional<LocatedDirectory> chosen;
  const EndRecord* chosen_record = nullptr;
  std::optional<Error> unreadable;  // a directory placed where a record says, that did not parse
  std::string problems;
  size_t directory_reads = 0;
  for (const EndRecord& r : records) {
    if (r.empty() && any_members) continue;
    auto read = ReadEndRecord(tail, r);
    if (auto* why = std::get_if<std::string>(&read)) {
      if (!problems.empty()) problems += "; ";
      problems += records.size() > 1 ? "the end record " + At(r.position) + ": " + *why : *why;
      continue;
    }
    ZipArchiveInfo& info = std::get<ZipArchiveInfo>(read);
    if (chosen && SameDirectory(chosen->info, info)) {
      // Described again (a copy in the comment): the record whose comment fits best, the outer
      // one on a tie, gives the comment.
      if (CommentFit(r, tail.size()) >= CommentFit(*chosen_record, tail.size())) {
        chosen_record = &r;
        chosen->info = std::move(info);
      }
      continue;
    }
    if (++directory_reads > kMaxDirectoryReads) {
      throw Error(ErrorKind::kArchiveRefused,
                  "more than " + std::to_string(kMaxDirectoryReads) +
                      " end-of-central-directory records point at central directories",
                  "ambiguous-end-record");
    }
    std::optional<CentralDirectory> directory;
    try {
      directory = ReadCentralDirectory(source, info, options);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kArchiveRefused) throw;
      if (!unreadable) unreadable = e;
      continue;
    }
    if (chosen) {
      throw Error(ErrorKind::kArchiveRefused,
                  "the end-of-central-directory records " + At(r.position) + " and " +
                      At(chosen_record->position) +
                      " describe different central directories (one hides in the other's "
                      "comment); refusing to guess which is real",
                  "ambiguous-end-record");
    }
    chosen = LocatedDirectory{std::move(info), std::move(*directory)};
    chosen_record = &r;
  }
  if (chosen) {
    TakeComment(tail, *chosen_record, chosen->info);
    return std::move(*chosen);
  }
  if (unreadable) throw *unreadable;
  throw Error(ErrorKind::kArchiveRefused, problems);
}

}  // namespace unpackd
