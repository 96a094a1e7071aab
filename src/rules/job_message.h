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
#include <nlohmann/json.hpp>
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
  // What an engine that is its own barrier (a Step Functions map, deploy/aws) asks of a run;
  // queue workers only ever send kRun.
  //   kRun: extract (the shard); with defer_commit, record the shard and leave the commit;
  //   kCommit: write the manifest once every shard is recorded, and notify;
  //   kFail: the engine gave up on the job (`error` says why): tell it, once.
  enum class Step { kRun, kCommit, kFail };
  Step step = Step::kRun;
  bool defer_commit = false;
  std::string error;  // kFail: the engine's error, read from the body's top-level "error"

  // {"unpackd_job": {...}}; the shard spelled "I/N".
  std::string ToJson() const;
  nlohmann::json ToJsonValue() const;
};

// The job message `body` is, or nullopt when it is none (an S3 event, say). Throws
// Error(kUsage, "malformed-event") for a job message that lacks a field or names a bad shard.
// Unknown fields are ignored. A top-level "error" beside "unpackd_job" ({"Error", "Cause"},
// as Step Functions' Catch gives it) is read into `error`.
std::optional<JobMessage> ParseJobMessage(std::string_view body);

}  // namespace unpackd
