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
// Outbox. The notifications about a job (outbox_entry.h) are recorded by the Mark* call that
// ends it, in the same transaction: a job's end and its notifications are committed together
// or not at all. A delivery loop takes DueNotifications, sends each, and records the outcome
// (MarkNotificationDelivered, MarkNotificationRetry, MarkNotificationDead, DeadLetterTarget);
// a crash between a send and its Mark* leaves the entry pending, so it is sent again after a
// restart: at least once always, once in the normal case. Entries are never requeued or
// touched by Open's crash recovery: a pending entry simply stays due. Each of these writes is
// one statement, committed and synced (synchronous=FULL) when it returns, so an operator's
// connection (`unpackd notifications`) may write beside the service.
//
// Thread safety: every method may be called from any thread (one connection, serialized by a
// mutex); one service store per state directory (Open fails while another holder, in this or
// another process, has the lock).
// Errors: Error(kIo, code "job-store") naming the database and SQLite's message;
// Error(kIo, "job-store-locked") from Open when another service holds the store;
// Error(kInternal, "job-not-running") when a Mark* names a job that is not kRunning (a bug in
// the caller: only the worker that claimed a job finishes it); Error(kInternal,
// "notification-not-pending") when a MarkNotification* names an entry that is not pending (a
// bug in the caller too: only pending entries are handed out); Error(kInternal,
// "notification-invalid") for an OutboxMessage with an empty target or event id.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobs/job_record.h"
#include "jobs/outbox_entry.h"

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

  // The Mark* calls end a run of a kRunning job. Each is one transaction: the job's new state
  // and the `notifications` it records (one pending OutboxEntry each, due now, for job `id`)
  // are durable together when it returns, or, when it throws, neither is. A notification whose
  // (target, event id) is already recorded, in any state, is not recorded again.
  virtual void MarkDone(int64_t id, const std::string& result_json,
                        const std::vector<OutboxMessage>& notifications, int64_t now_ms) = 0;
  // Final: the archive was refused; it is never retried by itself.
  virtual void MarkRefused(int64_t id, const std::string& kind, const std::string& code,
                           const std::string& message,
                           const std::vector<OutboxMessage>& notifications, int64_t now_ms) = 0;
  // A failure that may pass: queued again at `retry_at_ms`, or kFailed when `retry_at_ms` is
  // nullopt (attempts exhausted). Only a final failure records `notifications`: a job that will
  // run again has not ended, so it tells no one yet (the caller may pass them either way).
  virtual void MarkFailed(int64_t id, const std::string& kind, const std::string& code,
                          const std::string& message, std::optional<int64_t> retry_at_ms,
                          const std::vector<OutboxMessage>& notifications, int64_t now_ms) = 0;

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

  // Outbox delivery (the service's delivery loop).

  // The entries to send now: for each target, its oldest pending entry (lowest id), and only
  // when that entry is due (next_attempt_ms <= now_ms); earliest due first, at most `limit`.
  // Head-of-line by design: a target's later entries wait while its head entry is failing, so
  // a receiver always hears of a key's jobs in the order they ended (a "failed" never arrives
  // after the "done" of the rerun that fixed it) and an endpoint that is down is not hammered
  // with its whole backlog at every retry. One target's trouble never holds back another's.
  // Dead and delivered entries hold back nothing.
  virtual std::vector<OutboxEntry> DueNotifications(int64_t now_ms, size_t limit) = 0;
  // The target accepted entry `id`: kDelivered, attempts + 1.
  virtual void MarkNotificationDelivered(int64_t id, int64_t now_ms) = 0;
  // An attempt failed and may pass: due again at `next_attempt_ms`, attempts + 1, `error` kept
  // as last_error. The target's later entries keep waiting behind it.
  virtual void MarkNotificationRetry(int64_t id, int64_t next_attempt_ms, const std::string& error,
                                     int64_t now_ms) = 0;
  // An attempt failed for good (too old, refused by the target): kDead, attempts + 1, `error`
  // kept; the target's next entry becomes its head.
  virtual void MarkNotificationDead(int64_t id, const std::string& error, int64_t now_ms) = 0;
  // The target is gone (a webhook that answered 410 Gone): every pending entry of `target`
  // becomes kDead with `error` (attempts unchanged: most were never tried). Entries recorded
  // later are pending again: whether to send them is the configuration's business.
  virtual void DeadLetterTarget(const std::string& target, const std::string& error,
                                int64_t now_ms) = 0;
  // The earliest next_attempt_ms among the entries DueNotifications could return (targets'
  // head entries), for the delivery loop to sleep until; none: nullopt. A waiting later entry
  // does not count (it becomes due when its target's head is marked).
  virtual std::optional<int64_t> NextNotificationDueMs() = 0;
  // Retention: deletes delivered entries whose delivery (updated_ms) is more than
  // kDeliveredRetentionMs before `now_ms`, and all but the newest (by id) kDeliveredKeep
  // delivered entries; returns how many. Pending and dead entries are never pruned. It scans
  // the delivered rows, so the service calls it about hourly, not at every delivery.
  virtual uint64_t PruneDelivered(int64_t now_ms) = 0;
  static constexpr int64_t kDeliveredRetentionMs = 7LL * 24 * 3600 * 1000;
  static constexpr uint64_t kDeliveredKeep = 10'000;

  // Outbox, operators: `unpackd notifications list|retry`.

  // Newest first (by id), at most `limit`; only entries in `state` when given.
  virtual std::vector<OutboxEntry> ListNotifications(std::optional<OutboxState> state,
                                                     size_t limit) = 0;
  virtual std::optional<OutboxEntry> GetNotification(int64_t id) = 0;
  // A dead entry pending again, due at `now_ms`, attempts reset to 0 (last_error kept until
  // the next attempt: it is why the operator retried). It keeps its id, so it is again ahead
  // of its target's later pending entries. False for an entry in another state or none.
  virtual bool RetryNotification(int64_t id, int64_t now_ms) = 0;
  // Every state, zero included.
  virtual std::map<OutboxState, uint64_t> CountNotificationsByState() = 0;
};

}  // namespace unpackd
