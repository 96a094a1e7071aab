#include "notify/notified_marker.h"

#include <array>

#include "util/error.h"

namespace unpackd::notify {

namespace {

// The folder the manifest is in: `<prefix>/.unpackd/`.
std::string FolderOf(const ObjectRef& manifest) {
  const size_t slash = manifest.key.rfind('/');
  return slash == std::string::npos ? std::string() : manifest.key.substr(0, slash + 1);
}

void WriteSmallObject(ObjectStore& store, const ObjectRef& ref, const std::string& text,
                      bool if_absent) {
  WriteOptions options;
  options.content_type = "text/plain";
  options.size_hint = text.size();
  options.if_absent = if_absent;
  const std::unique_ptr<ObjectWriter> writer = store.NewWriter(ref, options);
  writer->Append(std::as_bytes(std::span(text.data(), text.size())));
  writer->Commit();
}

}  // namespace

ObjectRef NotifiedMarkerFor(const ObjectRef& manifest) {
  return {manifest.bucket, FolderOf(manifest) + "notified"};
}

ObjectRef FailureClaimFor(const ObjectRef& manifest, const std::string& etag) {
  // An ETag is hex with an optional "-<parts>": safe as a key segment as it is.
  std::string name;
  for (const char c : etag) name += (c == '"' || c == '/') ? '_' : c;
  return {manifest.bucket, FolderOf(manifest) + "failed/" + (name.empty() ? "unknown" : name)};
}

bool ClaimFailureNotice(ObjectStore& store, const ObjectRef& manifest, const std::string& etag,
                        const std::string& reason) {
  try {
    WriteSmallObject(store, FailureClaimFor(manifest, etag), reason, /*if_absent=*/true);
  } catch (const Error& e) {
    if (e.code() == "object-exists") return false;
    throw;
  }
  return true;
}

bool ShouldTellFailure(ObjectStore& store, const ObjectRef& manifest, const std::string& etag,
                       const std::string& reason, std::string& claim_error) {
  try {
    return ClaimFailureNotice(store, manifest, etag, reason);
  } catch (const Error& e) {
    claim_error = e.what();
    return true;
  }
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
  WriteSmallObject(store, NotifiedMarkerFor(manifest), event_id, /*if_absent=*/false);
}

}  // namespace unpackd::notify
