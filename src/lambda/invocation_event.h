// What one invocation carries, split into the units it answers for. Lambda hands a function an
// S3 notification ({"Records": [<s3 records>]}), an EventBridge event, one of our own
// continuations, or an SQS batch ({"Records": [<sqs records>]}), where each record succeeds or
// fails on its own (ReportBatchItemFailures).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unpackd::lambda {

struct WorkItem {
  // The SQS record's messageId, which batchItemFailures names; empty outside an SQS batch.
  std::string sqs_message_id;
  // A message for ParseEventMessage (event/event_message.h), or a continuation payload.
  std::string message;
};

struct InvocationEvent {
  bool sqs_batch = false;
  std::vector<WorkItem> items;  // an SQS batch: one per record; otherwise exactly one
};

// Splits `body`. Never throws: a body that is not JSON is one item that fails to parse later,
// with the reason. An SQS record without a messageId cannot be named in batchItemFailures; it
// keeps an empty id and the caller fails the whole batch for it.
InvocationEvent SplitInvocationEvent(std::string_view body);

// The event inside a planning request, {"unpackd_plan": <event>} (the Step Functions
// fan-out's first state, deploy/aws), as text for ParseEventMessage; nullopt when `message`
// is no planning request.
std::optional<std::string> PlanRequestEvent(std::string_view message);

}  // namespace unpackd::lambda
