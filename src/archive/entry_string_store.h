// EntryStringStore: keeps the strings of entries that outlive the reader that made them (a
// stream's entries, whose strings view the reader's storage only until its next member).
// Names go to a StringArena, so a million kept entries cost their names' bytes and no heap
// string each; the short strings that repeat from entry to entry (encoding, method,
// encryption) are stored once per run of equal values.
//
// Move-only, as its arena is: kept entries view the arena, whose blocks a move keeps in place.
#pragma once

#include <cstddef>
#include <string_view>

#include "archive/archive_entry.h"
#include "util/string_arena.h"

namespace unpackd {

class EntryStringStore {
 public:
  // `entry` with its strings pointing into this store, valid as long as the store.
  ArchiveEntry Keep(ArchiveEntry entry);

  // Bytes held (accounting).
  size_t bytes() const { return arena_.bytes(); }

 private:
  // `text` kept; `last` is the previous value kept in that field, reused when equal.
  std::string_view KeepRepeated(std::string_view text, std::string_view& last);

  StringArena arena_;
  std::string_view last_encoding_;
  std::string_view last_method_;
  std::string_view last_encryption_;
};

}  // namespace unpackd
