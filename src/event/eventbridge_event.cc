#include "event/eventbridge_event.h"

#include <string>

#include "event/event_json.h"

namespace unpackd {
namespace {

using event_json::OptionalString;
using event_json::RequiredObject;
using event_json::RequiredString;

// EventBridge names the API call; the notification records name the event type. Map to the
// latter so rules and logs see one vocabulary.
std::string EventNameForReason(const std::string& reason) {
  if (reason == "PutObject") return "ObjectCreated:Put";
  if (reason == "POST Object") return "ObjectCreated:Post";
  if (reason == "CopyObject") return "ObjectCreated:Copy";
  if (reason == "CompleteMultipartUpload") return "ObjectCreated:CompleteMultipartUpload";
  return reason.empty() ? "ObjectCreated" : "ObjectCreated:" + reason;
}

}  // namespace

bool IsEventBridgeEvent(const nlohmann::json& message) {
  return event_json::Field(message, "detail-type") != nullptr &&
         event_json::Field(message, "detail") != nullptr;
}

void AddEventBridgeEvent(const nlohmann::json& message, EventMessage& out) {
  const std::string source = RequiredString(message, "source", "source");
  if (source != "aws.s3") {
    event_json::ThrowMalformed("EventBridge source '" + source + "' is not aws.s3");
  }
  if (RequiredString(message, "detail-type", "detail-type") != "Object Created") {
    ++out.other_records;
    return;
  }
  const nlohmann::json& detail = RequiredObject(message, "detail", "detail");
  const nlohmann::json& bucket = RequiredObject(detail, "bucket", "detail.bucket");
  const nlohmann::json& object = RequiredObject(detail, "object", "detail.object");
  ObjectEvent event;
  event.origin = source;
  event.event_name = EventNameForReason(OptionalString(detail, "reason", "detail.reason"));
  event.event_time = OptionalString(message, "time", "time");
  event.bucket = RequiredString(bucket, "name", "detail.bucket.name");
  event.key = RequiredString(object, "key", "detail.object.key");
  event.etag = event_json::UnquoteEtag(OptionalString(object, "etag", "detail.object.etag"));
  event.version_id = OptionalString(object, "version-id", "detail.object.version-id");
  event.sequencer = OptionalString(object, "sequencer", "detail.object.sequencer");
  event.size = event_json::OptionalSize(object, "size", "detail.object.size");
  out.created.push_back(std::move(event));
}

}  // namespace unpackd
