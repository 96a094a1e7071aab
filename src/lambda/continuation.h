// Continuation: a job one invocation could not finish before its deadline, handed to the next.
// The invocation stops at a member boundary (what it wrote stays: the extraction resumes from
// the objects' metadata), then sends itself this payload asynchronously; whichever invocation
// finishes the archive writes the one manifest and sends the one notification.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace unpackd::lambda {

struct Continuation {
  std::string rule;  // the rule that took the archive's event
  std::string bucket;
  std::string key;
  std::string etag;  // the version being extracted; a continuation never switches versions
  std::string version_id;
  uint64_t size = 0;
  int64_t started_at_ms = 0;  // when the first invocation started the job (unix ms)
  int invocation = 1;         // the invocation this payload starts: 2 for the first hand-over
  // Invocations in a row that finished no member: a member that cannot be written within one
  // invocation would otherwise be handed over forever.
  int idle_invocations = 0;
  // A shard job's shard ("3/8", rules/job_message.h); empty for the whole archive.
  std::string shard;
  // A Step Functions shard records its shard and leaves the commit to the commit step
  // (JobMessage::defer_commit); a continuation keeps it so.
  bool defer_commit = false;
};

// The payload: {"unpackd_continuation": {...}}. Unknown fields are ignored when parsing.
std::string ContinuationJson(const Continuation& continuation);

// The continuation `event` carries, or nullopt when it is not one (an S3 event, an SQS
// batch...). Throws Error(kUsage, "malformed-event") for a continuation that lacks a field.
std::optional<Continuation> ParseContinuation(std::string_view event);

// Where continuations go: the function itself, invoked asynchronously (self_invoke.h), or a
// test's recorder.
class ContinuationSender {
 public:
  virtual ~ContinuationSender() = default;
  // Hands `continuation` on; returns once it is durably queued (Lambda accepted the
  // asynchronous invocation). Throws Error when it could not be: the caller then fails the
  // invocation, so AWS retries it and the work is not lost.
  virtual void Send(const Continuation& continuation) = 0;
};

}  // namespace unpackd::lambda
