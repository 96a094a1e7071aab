// JobMessage: one job (or one shard of it) as a queue message, for a fleet of workers that
// share nothing but the queue and the object store (docs/scaling.md). A worker that took an
// archive's event and found it too big for one run publishes one message per shard; a worker
// whose run failed in a way a retry may cure publishes the job again with the next attempt
// number. Every worker makes the same ExtractJob from the same message: the rule is named,
// the archive version pinned by its ETag.
//
// Thread safety: a value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "extract/shard_plan.h"

namespace unpackd {

struct JobMessage {
  std::string rule;  // the rule that took the archive's event
  std::string bucket;
  std::string key;
  std::string etag;  // the version every run of the job reads
  std::string version_id;
  uint64_t size = 0;
  std::optional<ShardSpec> shard;  // unset: the whole archive
  int attempt = 1;                 // this message's run: 2 for the first retry
  int64_t started_at_ms = 0;       // when the job's first run started (unix ms)

  // {"unpackd_job": {...}}; the shard spelled "I/N".
  std::string ToJson() const;
};

// The job message `body` is, or nullopt when it is none (an S3 event, say). Throws
// Error(kUsage, "malformed-event") for a job message that lacks a field or names a bad shard.
// Unknown fields are ignored.
std::optional<JobMessage> ParseJobMessage(std::string_view body);

}  // namespace unpackd
