#include "store/small_object.h"

#include <span>

#include "util/error.h"

namespace unpackd {

std::optional<std::string> ReadSmallObject(ObjectStore& store, const ObjectRef& ref,
                                           uint64_t max_bytes) {
  std::unique_ptr<RandomAccessObject> object;
  try {
    object = store.OpenForRead(ref);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return std::nullopt;
    throw;
  }
  if (object->size() > max_bytes) return std::nullopt;
  std::string text(static_cast<size_t>(object->size()), '\0');
  size_t got = 0;
  while (got < text.size()) {
    // A store may answer a read in parts.
    const size_t n = object->ReadAt(
        got, std::as_writable_bytes(std::span(text.data() + got, text.size() - got)));
    if (n == 0) break;
    got += n;
  }
  text.resize(got);
  return text;
}

}  // namespace unpackd
