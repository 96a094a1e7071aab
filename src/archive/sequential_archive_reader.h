// SequentialArchiveReader: an archive that can only be read front to back (tar, plain or
// compressed): each entry is followed by its content, so members come one at a time as
// (entry, reader) pairs. Same error contract as ArchiveReader. One thread.
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "archive/archive_entry.h"
#include "archive/member_reader.h"

namespace unpackd {

class SequentialArchiveReader {
 public:
  virtual ~SequentialArchiveReader() = default;

  struct Member {
    ArchiveEntry entry;
    // Valid until the next call to Next(); null for entries without content (directories).
    std::unique_ptr<MemberReader> content;
  };

  // The next member, or nullopt after the last one.
  virtual std::optional<Member> Next() = 0;
};

}  // namespace unpackd
