// Parsing one delivered message into object-created events. A message is whatever one source
// delivers at once: an S3 event document ({"Records": [...]}), an SQS record or ReceiveMessage
// message whose body holds one, an SNS notification (alone or inside SQS) whose Message holds
// one, an EventBridge event, or a MinIO webhook body. tests/data/s3-events/README.md lists the
// shapes and how keys are encoded in each; unknown fields are ignored.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "event/object_event.h"

namespace unpackd {

struct EventMessage {
  std::vector<ObjectEvent> created;  // object-created records, in message order
  size_t other_records = 0;          // records of other kinds (removals, restores): not ours
  bool test_event = false;           // s3:TestEvent (sent when a configuration is saved)
};

// Throws Error(kUsage, code "malformed-event") naming what is wrong (not JSON, no known shape,
// a created record without bucket or key, a major eventVersion it does not know). Never
// crashes on input, whatever the bytes.
EventMessage ParseEventMessage(std::string_view body);

}  // namespace unpackd
