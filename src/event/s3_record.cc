#include "event/s3_record.h"

#include <string_view>

#include "event/event_json.h"
#include "net/uri_encoding.h"
#include "util/ascii.h"

namespace unpackd {
namespace {

using event_json::OptionalSize;
using event_json::OptionalString;
using event_json::RequiredObject;
using event_json::RequiredString;
using event_json::ThrowMalformed;

constexpr std::string_view kCreatedPrefix = "ObjectCreated";
constexpr std::string_view kMetaPrefix = "x-amz-meta-";

// AWS: "compare the major version only"; minor versions only add fields.
void CheckEventVersion(const std::string& version, const std::string& where) {
  if (version.empty()) ThrowMalformed(where + ": eventVersion is missing");
  const std::string major = version.substr(0, version.find('.'));
  if (major != "2") {
    ThrowMalformed(where + ": eventVersion " + version + " (only major version 2 is known)");
  }
}

std::string DecodeKey(const std::string& origin, const std::string& raw_key,
                      const std::string& where) {
  if (origin == "aws:s3" || origin == "minio:s3") return net::UriDecode(raw_key, true);
  if (origin == "ceph:s3") return raw_key;
  ThrowMalformed(where + ": unknown eventSource '" + origin +
                 "' (its key encoding is not known: aws:s3, minio:s3 or ceph:s3)");
}

// radosgw: object.metadata is a list of {key, val}, mixing user metadata and request headers.
// MinIO: object.userMetadata is a map of header names. Only x-amz-meta-* is user metadata.
void AddUserMetadata(const std::string& name, const nlohmann::json& value,
                     std::map<std::string, std::string>& out) {
  const std::string lower = AsciiLower(name);
  if (!lower.starts_with(kMetaPrefix) || !value.is_string()) return;
  out[lower.substr(kMetaPrefix.size())] = value.get<std::string>();
}

void ReadUserMetadata(const nlohmann::json& object, ObjectEvent& event) {
  std::map<std::string, std::string>& metadata = event.user_metadata;
  if (const nlohmann::json* list = event_json::Field(object, "metadata");
      list != nullptr && list->is_array()) {
    event.has_user_metadata = true;
    for (const nlohmann::json& item : *list) {
      const nlohmann::json* name = event_json::Field(item, "key");
      const nlohmann::json* value = event_json::Field(item, "val");
      if (name != nullptr && value != nullptr && name->is_string()) {
        AddUserMetadata(name->get<std::string>(), *value, metadata);
      }
    }
  }
  if (const nlohmann::json* map = event_json::Field(object, "userMetadata");
      map != nullptr && map->is_object()) {
    event.has_user_metadata = true;
    for (const auto& [name, value] : map->items()) AddUserMetadata(name, value, metadata);
  }
}

}  // namespace

bool IsS3Record(const nlohmann::json& record) { return event_json::Field(record, "s3") != nullptr; }

void AddS3Record(const nlohmann::json& record, const std::string& where, EventMessage& out) {
  CheckEventVersion(OptionalString(record, "eventVersion", where + ".eventVersion"), where);
  std::string event_name = RequiredString(record, "eventName", where + ".eventName");
  // MinIO prefixes "s3:", AWS and radosgw do not.
  if (event_name.starts_with("s3:")) event_name.erase(0, 3);
  if (!event_name.starts_with(kCreatedPrefix)) {
    ++out.other_records;
    return;
  }
  ObjectEvent event;
  event.event_name = std::move(event_name);
  event.origin = RequiredString(record, "eventSource", where + ".eventSource");
  event.event_time = OptionalString(record, "eventTime", where + ".eventTime");
  const nlohmann::json& s3 = RequiredObject(record, "s3", where + ".s3");
  const nlohmann::json& bucket = RequiredObject(s3, "bucket", where + ".s3.bucket");
  const nlohmann::json& object = RequiredObject(s3, "object", where + ".s3.object");
  event.bucket = RequiredString(bucket, "name", where + ".s3.bucket.name");
  event.key =
      DecodeKey(event.origin, RequiredString(object, "key", where + ".s3.object.key"), where);
  if (event.key.empty()) ThrowMalformed(where + ": s3.object.key decodes to an empty key");
  event.etag = event_json::UnquoteEtag(OptionalString(object, "eTag", where + ".s3.object.eTag"));
  event.version_id = OptionalString(object, "versionId", where + ".s3.object.versionId");
  event.sequencer = OptionalString(object, "sequencer", where + ".s3.object.sequencer");
  event.size = OptionalSize(object, "size", where + ".s3.object.size");
  ReadUserMetadata(object, event);
  out.created.push_back(std::move(event));
}

}  // namespace unpackd
