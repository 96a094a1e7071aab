// SqliteJobStore: the JobStore (job_store.h) over one SQLite connection. Its contract, the
// identity of a job, the claim order and the durability are job_store.h's; this file says how
// the database is laid out and guarded.
//
// Schema (PRAGMA user_version = kJobStoreSchemaVersion): one table `jobs`, state as text so an
// operator's sqlite3 shell reads it; `identity` is "v:<version id>", "e:<etag>",
// "s:<sequencer>" or "" (none), unique per (bucket, key) when not empty; `sequencer_order` is
// NormalizeSequencer(sequencer) (util/s3_sequencer.h), which SQL compares. Version 2 adds the
// `outbox` table (sqlite_outbox.h). A store of an older version migrates in Migrate() inside
// one transaction when opened (by the service or an operator); an unpackd older than the file
// refuses it.
//
// Thread safety: every method locks `mutex_` for its whole transaction.
#pragma once

#include <cstdint>
#include <string>

#include "jobs/job_store.h"
#include "jobs/sqlite_handle.h"
#include "util/mutex.h"
#include "util/unique_fd.h"

namespace unpackd {

inline constexpr int kJobStoreSchemaVersion = 2;

class SqliteJobStore final : public JobStore {
 public:
  // Opens the database at `db_path` (creating it when `create`), sets WAL, synchronous=FULL
  // and the busy timeout, and creates or migrates the schema. `lock` (may be invalid: an
  // operator's store) is held until destruction. Throws Error(kIo, "job-store").
  SqliteJobStore(const std::string& db_path, bool create, UniqueFd lock);

  // Crash recovery: every kRunning job becomes kQueued (attempts kept: the interrupted run
  // counted). Returns how many. Only the lock holder may call it.
  int RequeueRunning(int64_t now_ms) EXCLUDES(mutex_);

  EnqueueResult Enqueue(const JobRequest& request, int64_t now_ms) override EXCLUDES(mutex_);
  std::optional<JobRecord> ClaimNext(int64_t now_ms) override EXCLUDES(mutex_);
  void MarkDone(int64_t id, const std::string& result_json,
                const std::vector<OutboxMessage>& notifications, int64_t now_ms) override
      EXCLUDES(mutex_);
  void MarkRefused(int64_t id, const std::string& kind, const std::string& code,
                   const std::string& message, const std::vector<OutboxMessage>& notifications,
                   int64_t now_ms) override EXCLUDES(mutex_);
  void MarkFailed(int64_t id, const std::string& kind, const std::string& code,
                  const std::string& message, std::optional<int64_t> retry_at_ms,
                  const std::vector<OutboxMessage>& notifications, int64_t now_ms) override
      EXCLUDES(mutex_);
  std::optional<JobRecord> Get(int64_t id) override EXCLUDES(mutex_);
  std::vector<JobRecord> List(std::optional<JobState> state, size_t limit) override
      EXCLUDES(mutex_);
  bool Retry(int64_t id, int64_t now_ms) override EXCLUDES(mutex_);
  std::map<JobState, uint64_t> CountByState() override EXCLUDES(mutex_);
  std::optional<int64_t> NextDueMs() override EXCLUDES(mutex_);

  std::vector<OutboxEntry> DueNotifications(int64_t now_ms, size_t limit) override EXCLUDES(mutex_);
  void MarkNotificationDelivered(int64_t id, int64_t now_ms) override EXCLUDES(mutex_);
  void MarkNotificationRetry(int64_t id, int64_t next_attempt_ms, const std::string& error,
                             int64_t now_ms) override EXCLUDES(mutex_);
  void MarkNotificationDead(int64_t id, const std::string& error, int64_t now_ms) override
      EXCLUDES(mutex_);
  void DeadLetterTarget(const std::string& target, const std::string& error,
                        int64_t now_ms) override EXCLUDES(mutex_);
  std::optional<int64_t> NextNotificationDueMs() override EXCLUDES(mutex_);
  uint64_t PruneDelivered(int64_t now_ms) override EXCLUDES(mutex_);
  std::vector<OutboxEntry> ListNotifications(std::optional<OutboxState> state,
                                             size_t limit) override EXCLUDES(mutex_);
  std::optional<OutboxEntry> GetNotification(int64_t id) override EXCLUDES(mutex_);
  bool RetryNotification(int64_t id, int64_t now_ms) override EXCLUDES(mutex_);
  std::map<OutboxState, uint64_t> CountNotificationsByState() override EXCLUDES(mutex_);

 private:
  void Configure() REQUIRES(mutex_);
  void Migrate() REQUIRES(mutex_);
  std::optional<JobRecord> GetLocked(int64_t id) REQUIRES(mutex_);
  // Sets a running job's outcome (`state`, error fields, next attempt) and records
  // `notifications`, in one transaction; throws Error(kInternal, "job-not-running") if job `id`
  // is not kRunning (then nothing is written).
  void Finish(int64_t id, JobState state, const std::string& kind, const std::string& code,
              const std::string& message, const std::string& result_json, int64_t next_attempt_ms,
              const std::vector<OutboxMessage>& notifications, int64_t now_ms) REQUIRES(mutex_);

  Mutex mutex_;
  SqliteConnection db_ GUARDED_BY(mutex_);
  UniqueFd lock_;  // declared last: released only after the connection is closed
};

}  // namespace unpackd
