// JobStore: the durable list of jobs, in SQLite (WAL) under the service's state directory.
// It is what makes delivery exactly-once: an event is acknowledged to its source only after
// Enqueue returned (the row is committed and synced), and a job reaches kDone only after its
// manifest exists, so a crash at any moment leaves each acknowledged event as one job that a
// restart finishes.
//
// Identity. A job is (bucket, key, identity), unique: the identity is the version id when the
// event has one, else its ETag, else its sequencer. An event with none of the three (a local
// watcher that has not read the file yet) is a duplicate of a queued job for the same key
// that also has none (that job has not started, so it will read whatever the key holds by
// then); otherwise it is a new job: the object may have changed since the earlier one read it.
// Stale: an event whose sequencer is older than a sequencer already recorded for the key (in
// any state) does no work; a duplicate is recognised first, so a redelivery of an old event
// still names its job.
//
// Order. ClaimNext serves the job that has been due longest (next_attempt_ms, then id), and
// never a job whose key has another job running: two versions of one key are never extracted
// at once, so they finish in the order they were queued.
//
// Durability. WAL with synchronous=FULL: each commit is fsynced before it returns, so an
// acknowledged event survives a process crash and a power loss (given storage that honours
// fsync). After a crash, Open requeues the jobs left kRunning; their extraction resumes.
//
// Two kinds of opener. Open is the service's: it holds `<state_dir>/jobs.lock` (flock) for the
// store's lifetime, so two services never share a store, and it does the crash recovery.
// OpenForOperator (`unpackd jobs`) takes no lock and recovers nothing: it opens a plain
// connection beside a running service. SQLite's own locking makes that safe: WAL readers never
// block the writer, and the operator's writes (Retry) are single statements that wait out the
// service's transactions (busy timeout). A running service notices a retried job at its next
// ClaimNext, so its workers should not sleep longer than a few seconds at a time.
//
// Thread safety: every method may be called from any thread (one connection, serialized by a
// mutex); one service store per state directory (Open fails while another holder, in this or
// another process, has the lock).
// Errors: Error(kIo, code "job-store") naming the database and SQLite's message;
// Error(kIo, "job-store-locked") from Open when another service holds the store;
// Error(kInternal, "job-not-running") when a Mark* names a job that is not kRunning (a bug in
// the caller: only the worker that claimed a job finishes it).
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
  kCreated,    // a new job, queued
  kDuplicate,  // the same archive version already has a job (any state): nothing changes
  kStale,      // an event older (by sequencer) than one already recorded for this key
};

struct EnqueueResult {
  EnqueueOutcome outcome;
  int64_t job_id;  // the new or existing job; 0 for kStale
};

class JobStore {
 public:
  // Opens or creates `<state_dir>/jobs.sqlite3` (and the directory); jobs left kRunning by a
  // process that died are queued again (their extraction resumes: see extract_job.h).
  static std::unique_ptr<JobStore> Open(const std::string& state_dir);
  // For operators, beside a running service or without one: no lock, no recovery, nothing
  // created. Throws Error(kNotFound, code "job-store") when there is no store in `state_dir`.
  static std::unique_ptr<JobStore> OpenForOperator(const std::string& state_dir);
  virtual ~JobStore() = default;

  // Durable when it returns. Identity, duplicates and stale events: see above.
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
  // Newest first (by id), at most `limit`; only jobs in `state` when given.
  virtual std::vector<JobRecord> List(std::optional<JobState> state, size_t limit) = 0;
  // A failed or refused job queued again now (attempts kept). False if it is in another state.
  virtual bool Retry(int64_t id, int64_t now_ms) = 0;
  // Every state, zero included.
  virtual std::map<JobState, uint64_t> CountByState() = 0;
  // The earliest next_attempt_ms of a queued job, for a worker to sleep until; none: nullopt.
  // A job waiting for another job of its key to finish does not count (it becomes due when
  // that job is marked).
  virtual std::optional<int64_t> NextDueMs() = 0;
};

}  // namespace unpackd
