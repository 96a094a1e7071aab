// ArchiveReader: a random-access archive format (ZIP today) as the extract layer sees it:
// a directory of entries read up front, and any member opened on its own, from many threads.
// Sequential formats (the tar family) are read through SequentialArchiveReader instead.
//
// Errors: Error(kArchiveRefused) naming the member for anything wrong with the archive's
// bytes (framing that disagrees with the directory, corrupt data, CRC or size mismatch, a
// broken limit); store errors from the underlying source propagate with their own kind.
//
// Thread safety: immutable once opened; OpenMember and CheckMember may run concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "archive/archive_entry.h"
#include "archive/finding.h"
#include "archive/member_reader.h"
#include "archive/names.h"
#include "io/byte_source.h"
#include "io/random_access_source.h"

namespace unpackd {

struct ArchiveOpenOptions {
  NameDecodingOptions names;
  uint64_t max_entries = 2'000'000;  // refuse archives whose directory holds more
  uint64_t max_name_bytes = 4096;
  size_t directory_read_chunk = size_t{1} << 20;
  // Largest decoder window (LZMA dictionary, zstd window) a member may ask for; the memory
  // plan counts one such window per member in flight.
  uint64_t max_decoder_window = uint64_t{64} << 20;
};

// The archive as a whole, for inspect and for the manifest.
struct ArchiveInfo {
  std::string format;  // "zip"
  uint64_t size = 0;
  NameDecodingReport names;  // which legacy encoding decoded the names, and why
  // ZIP only (false/0 for other formats): ZIP64 records, bytes before the first local header.
  bool zip64 = false;
  uint64_t prepended_bytes = 0;
};

// A stretch of the archive's bytes: [begin, end).
struct ByteRange {
  uint64_t begin = 0;
  uint64_t end = 0;
};

// How OpenMember reaches the archive's bytes; the extract layer decides (a cached range shared
// by neighbours, or read-ahead on the executor).
struct MemberAccess {
  // The archive, or a view of it that already holds this member's range. Used for the
  // member's own headers. Never null.
  RandomAccessSource* via = nullptr;
  // Opens the stored bytes [offset, offset + size) of the archive as a stream.
  std::function<std::unique_ptr<ByteSource>(uint64_t offset, uint64_t size)> open_range;
  MemberStreamLimits limits;
};

class ArchiveReader {
 public:
  virtual ~ArchiveReader() = default;

  virtual const ArchiveInfo& info() const = 0;
  // Every entry, in directory order; entries()[i].index == i.
  virtual const std::vector<ArchiveEntry>& entries() const = 0;

  // What the format's structure reveals before any member is read: refusals (members whose
  // data overlaps another's: a non-recursive zip bomb) and warnings about what the parser
  // tolerated (members are still extracted). Names and limits are the planner's.
  virtual std::vector<Finding> StructuralFindings() const = 0;

  // Where the entry's headers and data lie, as far as the directory tells: an estimate that
  // lets neighbours share one ranged read (a short one only costs a second read).
  virtual ByteRange ReadHint(const ArchiveEntry& entry) const = 0;

  // Checks the member's framing (local header, data descriptor) and opens its content.
  virtual std::unique_ptr<MemberReader> OpenMember(const ArchiveEntry& entry,
                                                   const MemberAccess& access) const = 0;

  // Where a member stored as is (no compression, no encryption) keeps its content in the
  // archive: its framing checked as OpenMember checks it, reading through `via`, so that a
  // copy of exactly these bytes is the member's content (its CRC is still unchecked). nullopt
  // for any other member, or when the format cannot say. The default says nothing.
  virtual std::optional<ByteRange> StoredContentRange(const ArchiveEntry& /*entry*/,
                                                      RandomAccessSource& /*via*/) const {
    return std::nullopt;
  }

  // Checks the member's framing without reading its data (for inspect).
  virtual void CheckMember(const ArchiveEntry& entry) const = 0;

  // Memory the member table holds (entries, format records, their strings): the memory plan
  // counts it against the budget, so a huge table leaves less to the buffers.
  virtual size_t table_bytes() const { return entries().capacity() * sizeof(ArchiveEntry); }
};

}  // namespace unpackd
