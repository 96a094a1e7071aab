#include "lambda/notified_marker.h"

#include <array>

#include "util/error.h"

namespace unpackd::lambda {

ObjectRef NotifiedMarkerFor(const ObjectRef& manifest) {
  const size_t slash = manifest.key.rfind('/');
  const std::string folder =
      slash == std::string::npos ? std::string() : manifest.key.substr(0, slash + 1);
  return {manifest.bucket, folder + "notified"};
}

bool AlreadyNotified(ObjectStore& store, const ObjectRef& manifest, const std::string& event_id) {
  std::unique_ptr<RandomAccessObject> marker;
  try {
    marker = store.OpenForRead(NotifiedMarkerFor(manifest));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return false;
    throw;
  }
  // An event id is 36 bytes; anything longer is not one of ours.
  std::array<std::byte, 64> bytes{};
  if (marker->size() > bytes.size()) return false;
  const size_t read = marker->ReadAt(0, bytes);
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), read) == event_id;
}

void RecordNotified(ObjectStore& store, const ObjectRef& manifest, const std::string& event_id) {
  WriteOptions options;
  options.content_type = "text/plain";
  options.size_hint = event_id.size();
  const std::unique_ptr<ObjectWriter> writer =
      store.NewWriter(NotifiedMarkerFor(manifest), options);
  writer->Append(std::as_bytes(std::span(event_id.data(), event_id.size())));
  writer->Commit();
}

}  // namespace unpackd::lambda
