#include "notify/notified_marker.h"

#include <optional>

#include "store/small_object.h"
#include "util/error.h"
#include "util/random_id.h"

namespace unpackd::notify {

namespace {

// A claim holds an error message and its writer's name; more is not one of ours.
constexpr size_t kMaxClaimBytes = 256 << 10;

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
  const ObjectRef claim = FailureClaimFor(manifest, etag);
  // The claim names its writer, so that a write whose end is unknown (an error after the
  // server may have stored it, or a server that answers two racing conditional writes with a
  // conflict instead of 412) is settled by reading the claim back.
  const std::string writer = "claimed by " + RandomHexId();
  try {
    WriteSmallObject(store, claim, reason + "\n" + writer + "\n", /*if_absent=*/true);
    return true;
  } catch (const Error& e) {
    if (e.code() == "object-exists") return false;
    std::optional<std::string> found;
    try {
      found = ReadSmallObject(store, claim, kMaxClaimBytes);
    } catch (const Error&) {
      throw e;  // the write's error says more than the read's
    }
    if (!found) throw;
    return found->find(writer) != std::string::npos;
  }
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
  // An event id is 36 bytes; a longer marker is not one of ours, and is not read whole.
  const std::optional<std::string> marker =
      ReadSmallObject(store, NotifiedMarkerFor(manifest), event_id.size() + 1);
  return marker && *marker == event_id;
}

void RecordNotified(ObjectStore& store, const ObjectRef& manifest, const std::string& event_id) {
  WriteSmallObject(store, NotifiedMarkerFor(manifest), event_id, /*if_absent=*/false);
}

}  // namespace unpackd::notify
