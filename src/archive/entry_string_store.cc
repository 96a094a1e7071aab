#include "archive/entry_string_store.h"

namespace unpackd {

ArchiveEntry EntryStringStore::Keep(ArchiveEntry entry) {
  entry.name = arena_.Add(entry.name);
  entry.name_encoding = KeepRepeated(entry.name_encoding, last_encoding_);
  entry.method_name = KeepRepeated(entry.method_name, last_method_);
  entry.encryption = KeepRepeated(entry.encryption, last_encryption_);
  return entry;
}

std::string_view EntryStringStore::KeepRepeated(std::string_view text, std::string_view& last) {
  if (text != last) last = arena_.Add(text);
  return last;
}

}  // namespace unpackd
