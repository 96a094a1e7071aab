// SequentialArchiveReader: an archive that can only be read front to back (tar, plain or
// compressed): each entry is followed by its content, so members come one at a time as
// (entry, reader) pairs. Same error contract as ArchiveReader. One thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "archive/archive_entry.h"
#include "archive/archive_reader.h"
#include "archive/member_reader.h"

namespace unpackd {

struct SequentialOpenOptions {
  // The compressed stream's size: the ratio limit compares the content read so far with it.
  uint64_t archive_size = 0;
  // The name a lone compressed file (`data.csv.gz`) gets when its header names none: the
  // archive key's file name without its suffix.
  std::string single_file_name;
  uint64_t max_name_bytes = 4096;
  // Checked as content arrives, since a stream declares no total up front: every member's
  // bytes together, and their ratio to archive_size (0 disables; not below grace bytes).
  uint64_t max_total_bytes = UINT64_MAX;
  double max_ratio = 0;
  uint64_t ratio_grace_bytes = uint64_t{1} << 20;
  // One member's bytes, checked as they arrive (a lone compressed file declares no size).
  uint64_t max_member_bytes = UINT64_MAX;
  // The largest dictionary or window the stream's decompressor may allocate (xz, .lzma and
  // zstd; gzip's and bzip2's are fixed and small): a stream asking for more is refused,
  // code "decoder-memory-limit", before it is allocated.
  uint64_t max_decoder_window = uint64_t{64} << 20;
};

class SequentialArchiveReader {
 public:
  virtual ~SequentialArchiveReader() = default;

  struct Member {
    // Its strings view the reader's storage and, like `content`, stay valid until the next
    // call to Next(): a caller that keeps entries keeps their strings (EntryStringStore).
    ArchiveEntry entry;
    // Valid until the next call to Next(); null for entries without content (directories,
    // links, special files). Next() skips what the caller did not read.
    std::unique_ptr<MemberReader> content;
    // False when the format declares no size (a lone compressed file): `entry.size` is then
    // 0, and the content's length is what it turns out to be.
    bool size_known = true;
  };

  // The format ("tar.gz", "tar", "gz", ...), known once the stream's first header was read
  // (at open). `size` is archive_size.
  virtual const ArchiveInfo& info() const = 0;

  // The next member, or nullopt after the last one. Throws Error(kArchiveRefused) for a
  // corrupt or truncated stream or a broken limit; store errors keep their kind.
  virtual std::optional<Member> Next() = 0;

  // Warnings about what the reader tolerated so far (an unknown pax keyword, a header that
  // libarchive read with a warning); reported with the member they concern.
  virtual std::vector<Finding> TakeWarnings() = 0;
};

}  // namespace unpackd
