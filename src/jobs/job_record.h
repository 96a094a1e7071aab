// JobRecord: one extraction job as the job store keeps it. A job is one archive version:
// (bucket, key, version id or ETag). Every delivery of the same version is the same job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace unpackd {

enum class JobState { kQueued, kRunning, kDone, kFailed, kRefused };

// "queued", "running", "done", "failed", "refused".
const char* JobStateName(JobState state);
// The state JobStateName gives `name`; nullopt for any other text (operators type these).
std::optional<JobState> ParseJobState(std::string_view name);

// What an event asks for; everything the worker needs to rebuild the ExtractJob.
struct JobRequest {
  std::string bucket;
  std::string key;
  std::string etag;        // may be empty (then the job pins whatever version it first reads)
  std::string version_id;  // may be empty
  std::string sequencer;   // may be empty
  uint64_t size = 0;
  std::string rule;    // the rule's name
  std::string origin;  // ObjectEvent::origin
  std::string event_time;
};

struct JobRecord {
  int64_t id = 0;
  JobRequest request;
  JobState state = JobState::kQueued;
  int attempts = 0;
  int64_t created_ms = 0;  // unix time, milliseconds
  int64_t updated_ms = 0;
  int64_t next_attempt_ms = 0;  // a queued job is not claimed before this
  std::string error_kind;       // ErrorKindName of the last failure; empty if none
  std::string error_code;
  std::string error;        // the last failure's message
  std::string result_json;  // the finished job's summary (manifest key, counts, seconds)
};

}  // namespace unpackd
