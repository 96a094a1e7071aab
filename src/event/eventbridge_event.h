// An S3 event delivered by EventBridge (internal to the event layer): {"source": "aws.s3",
// "detail-type": "Object Created", "detail": {"bucket": ..., "object": {"key", "size", "etag",
// "version-id", "sequencer"}, "reason": "PutObject", ...}}.
//
// The key is taken as sent: AWS's EventBridge page does not say it is URL-encoded, unlike the
// notification records (tests/data/s3-events/README.md). Confirm on real AWS before relying
// on keys with spaces, '+' or '%'.
#pragma once

#include <nlohmann/json.hpp>

#include "event/event_message.h"

namespace unpackd {

// True if `message` has EventBridge's shape (a "detail-type" and a "detail").
bool IsEventBridgeEvent(const nlohmann::json& message);

// Adds the event to `out`: "Object Created" to `created`, any other detail-type counted in
// `other_records`. Throws Error(kUsage, "malformed-event") for a source other than aws.s3,
// a created event without bucket or key, or a field of the wrong type.
void AddEventBridgeEvent(const nlohmann::json& message, EventMessage& out);

}  // namespace unpackd
