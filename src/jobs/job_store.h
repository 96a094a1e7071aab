// JobStore: the durable list of jobs, in SQLite (WAL) under the service's state directory.
// It is what makes delivery exactly-once: an event is acknowledged to its source only after
// Enqueue returned (the row is committed and synced), and a job reaches kDone only after its
// manifest exists, so a crash at any moment leaves each acknowledged event as one job that a
// restart finishes.
//
// Thread safety: every method may be called from any thread; one JobStore per state directory
// and process (Open takes an exclusive lock file and fails if another process holds it).
// Errors: Error(kIo, code "job-store") naming the database and SQLite's message.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobs/job_record.h"

namespace unpackd {

enum class EnqueueOutcome {
  kCreated,     // a new job, queued
  kDuplicate,   // the same archive version already has a job (any state): nothing changes
  kStale,       // an event older (by sequencer) than one already recorded for this key
};

struct EnqueueResult {
  EnqueueOutcome outcome;
  int64_t job_id;  // the new or existing job; 0 for kStale
};

class JobStore {
 public:
  // Opens or creates `<state_dir>/jobs.sqlite3`; jobs left kRunning by a process that died are
  // queued again (their extraction resumes: see extract_job.h).
  static std::unique_ptr<JobStore> Open(const std::string& state_dir);
  virtual ~JobStore() = default;

  // Durable when it returns.
  virtual EnqueueResult Enqueue(const JobRequest& request, int64_t now_ms) = 0;

  // The oldest queued job due at `now_ms`, moved to kRunning with attempts + 1; none: nullopt.
  virtual std::optional<JobRecord> ClaimNext(int64_t now_ms) = 0;

  virtual void MarkDone(int64_t id, const std::string& result_json, int64_t now_ms) = 0;
  // Final: the archive was refused; it is never retried by itself.
  virtual void MarkRefused(int64_t id, const std::string& kind, const std::string& code,
                           const std::string& message, int64_t now_ms) = 0;
  // A failure that may pass: queued again at `retry_at_ms`, or kFailed when `retry_at_ms` is
  // nullopt (attempts exhausted).
  virtual void MarkFailed(int64_t id, const std::string& kind, const std::string& code,
                          const std::string& message, std::optional<int64_t> retry_at_ms,
                          int64_t now_ms) = 0;

  // Operators: `unpackd jobs list|show|retry`.
  virtual std::optional<JobRecord> Get(int64_t id) = 0;
  virtual std::vector<JobRecord> List(std::optional<JobState> state, size_t limit) = 0;
  // A failed or refused job queued again now (attempts kept). False if it is in another state.
  virtual bool Retry(int64_t id, int64_t now_ms) = 0;
  virtual std::map<JobState, uint64_t> CountByState() = 0;
  // The earliest next_attempt_ms of a queued job, for a worker to sleep until; none: nullopt.
  virtual std::optional<int64_t> NextDueMs() = 0;
};

}  // namespace unpackd
