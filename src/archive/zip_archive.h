// ZipArchive: a ZIP file read through random access, never copied locally.
//
// Open() reads the end records and the central directory (in bounded chunks) and decodes
// names; OpenMember() streams one member's content with CRC-32 and size checks. The archive
// object is immutable after Open() and may be shared by many threads; each MemberReader
// belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "archive/name_decoding.h"
#include "archive/zip_entry.h"
#include "store/object_store.h"

namespace unpackd {

struct ZipArchiveInfo {
  uint64_t archive_size = 0;
  uint64_t prepended_bytes = 0;  // data before the first local header (self-extractors)
  bool zip64 = false;
  uint64_t central_directory_offset = 0;  // as found, after adjusting for prepended bytes
  uint64_t central_directory_size = 0;
  uint64_t entry_count = 0;
  std::string comment;  // raw bytes
  bool multi_disk = false;
  NameDecodingReport names;  // which legacy encoding decoded the names, and why
};

struct ZipOpenOptions {
  NameDecodingOptions names;
  uint64_t max_entries = 2'000'000;  // refuse archives whose directory holds more
  uint64_t max_name_bytes = 4096;
  size_t directory_read_chunk = size_t{1} << 20;
};

// Where a member's compressed bytes are, once its local header has been checked.
struct MemberExtent {
  uint64_t data_offset = 0;  // first compressed byte
  uint64_t data_size = 0;    // compressed size (from the central directory)
};

// Limits enforced while a member streams; declared sizes are never trusted.
struct MemberStreamLimits {
  uint64_t max_uncompressed = UINT64_MAX;
  double max_ratio = 0;  // uncompressed / compressed; 0 disables the check
  // Bytes below which the ratio is not checked (tiny members compress absurdly well).
  uint64_t ratio_grace_bytes = uint64_t{1} << 20;
};

// Yields a member's compressed bytes in order. Implementations read from the archive (with
// read-ahead) or serve a slice of a buffer that already holds several members.
class CompressedByteSource {
 public:
  virtual ~CompressedByteSource() = default;
  // The next chunk, valid until the next call; empty once all bytes were returned.
  virtual std::span<const std::byte> Next() = 0;
};

class MemberReader {
 public:
  virtual ~MemberReader() = default;
  // Fills `out` with decompressed bytes and returns how many; returns 0 exactly once the
  // member is complete AND its size and CRC-32 matched the central directory. Throws
  // Error(kArchiveRefused) naming the member on corrupt data, size or CRC mismatch, or a
  // broken limit.
  virtual size_t Read(std::span<std::byte> out) = 0;
  // Decompressed bytes returned so far.
  virtual uint64_t bytes_out() const = 0;
};

class ZipArchive {
 public:
  // Throws Error(kArchiveRefused) with the reason when the bytes are not a readable ZIP
  // (no end record, truncated, directory outside the file, multi-disk, too many entries).
  // `source` must outlive the archive.
  static std::unique_ptr<ZipArchive> Open(RandomAccessObject& source,
                                          const ZipOpenOptions& options);

  const ZipArchiveInfo& info() const { return info_; }
  const std::vector<ZipEntry>& entries() const { return entries_; }
  RandomAccessObject& source() const { return source_; }

  // Reads and checks the entry's local header (signature, name, method, flags, sizes and CRC
  // where present, data within the file). Throws Error(kArchiveRefused) on disagreement.
  MemberExtent LocateMember(const ZipEntry& entry) const { return LocateMember(entry, source_); }
  // The same, reading through `via` (a view of the same archive bytes, e.g. a cached range).
  MemberExtent LocateMember(const ZipEntry& entry, RandomAccessObject& via) const;

  // Checks the data descriptor that follows a member written with flag bit 3, if there is one
  // in the file; accepts 32- and 64-bit sizes, with or without signature. Throws
  // Error(kArchiveRefused) if present but disagreeing with the central directory.
  void CheckDataDescriptor(const ZipEntry& entry, const MemberExtent& extent) const {
    CheckDataDescriptor(entry, extent, source_);
  }
  void CheckDataDescriptor(const ZipEntry& entry, const MemberExtent& extent,
                           RandomAccessObject& via) const;

  // A reader over `compressed` (which must yield exactly the extent's bytes).
  std::unique_ptr<MemberReader> OpenMember(const ZipEntry& entry,
                                           std::unique_ptr<CompressedByteSource> compressed,
                                           const MemberStreamLimits& limits) const;

  // Convenience: LocateMember + a read-ahead source over the archive + OpenMember.
  std::unique_ptr<MemberReader> OpenMember(const ZipEntry& entry,
                                           const MemberStreamLimits& limits = {},
                                           size_t read_chunk = size_t{4} << 20) const;

  ZipArchive(RandomAccessObject& source, ZipArchiveInfo info, std::vector<ZipEntry> entries)
      : source_(source), info_(std::move(info)), entries_(std::move(entries)) {}

 private:
  RandomAccessObject& source_;
  ZipArchiveInfo info_;
  std::vector<ZipEntry> entries_;
};

}  // namespace unpackd
