#include "jobs/sqlite_job_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <utility>

#include "jobs/sqlite_outbox.h"
#include "jobs/state_dir.h"
#include "util/error.h"
#include "util/s3_sequencer.h"

namespace unpackd {
namespace {

// How long a statement waits for another connection's write lock (an operator's `jobs retry`
// beside the service) before it fails with SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 10'000;

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, even after rows are deleted
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  identity TEXT NOT NULL,
  etag TEXT NOT NULL,
  version_id TEXT NOT NULL,
  sequencer TEXT NOT NULL,
  sequencer_order TEXT NOT NULL,
  size INTEGER NOT NULL,
  rule TEXT NOT NULL,
  origin TEXT NOT NULL,
  event_time TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'refused')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  error_kind TEXT NOT NULL DEFAULT '',
  error_code TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  result_json TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX jobs_identity ON jobs (bucket, key, identity) WHERE identity <> '';
CREATE INDEX jobs_key ON jobs (bucket, key, state);
CREATE INDEX jobs_due ON jobs (state, next_attempt_ms, id);
)sql";

constexpr const char* kColumns =
    "id, bucket, key, etag, version_id, sequencer, size, rule, origin, event_time, state, "
    "attempts, created_ms, updated_ms, next_attempt_ms, error_kind, error_code, error, "
    "result_json";

// A queued job `j` that may run now: no job of its key is running, and no earlier job of its
// key is still queued (one key's jobs run one at a time, in the order they were queued, so an
// older version never finishes after a newer one).
constexpr const char* kRunnable =
    "j.state = 'queued' AND NOT EXISTS (SELECT 1 FROM jobs o WHERE o.bucket = j.bucket AND "
    "o.key = j.key AND (o.state = 'running' OR (o.state = 'queued' AND o.id < j.id)))";

std::string Sql(std::initializer_list<std::string_view> parts) {
  std::string sql;
  for (std::string_view part : parts) sql += part;
  return sql;
}

// Whether a job of the request's key has a sequencer newer than `order` (normalized values
// order byte-wise: util/s3_sequencer.h).
bool HasNewerSequencer(SqliteConnection& db, const JobRequest& request, const std::string& order) {
  SqliteStatement newer(db,
                        "SELECT 1 FROM jobs WHERE bucket = ?1 AND key = ?2 AND sequencer_order "
                        "<> '' AND sequencer_order > ?3 LIMIT 1");
  newer.Bind(1, request.bucket).Bind(2, request.key).Bind(3, order);
  return newer.Step();
}

JobState StateFromText(const std::string& text) {
  // The CHECK constraint admits only names ParseJobState knows.
  return ParseJobState(text).value_or(JobState::kQueued);
}

JobRecord ReadRecord(const SqliteStatement& row) {
  JobRecord r;
  r.id = row.Int(0);
  r.request.bucket = row.Text(1);
  r.request.key = row.Text(2);
  r.request.etag = row.Text(3);
  r.request.version_id = row.Text(4);
  r.request.sequencer = row.Text(5);
  r.request.size = static_cast<uint64_t>(row.Int(6));
  r.request.rule = row.Text(7);
  r.request.origin = row.Text(8);
  r.request.event_time = row.Text(9);
  r.state = StateFromText(row.Text(10));
  r.attempts = static_cast<int>(row.Int(11));
  r.created_ms = row.Int(12);
  r.updated_ms = row.Int(13);
  r.next_attempt_ms = row.Int(14);
  r.error_kind = row.Text(15);
  r.error_code = row.Text(16);
  r.error = row.Text(17);
  r.result_json = row.Text(18);
  return r;
}

// What makes two events the same archive version; "" when the event names none.
std::string Identity(const JobRequest& request) {
  if (!request.version_id.empty()) return "v:" + request.version_id;
  if (!request.etag.empty()) return "e:" + request.etag;
  if (!request.sequencer.empty()) return "s:" + NormalizeSequencer(request.sequencer);
  return "";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string DbPath(const std::string& state_dir) { return state_dir + "/jobs.sqlite3"; }

// A new file's name is durable only once its directory is synced.
void SyncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) {
    throw Error(ErrorKind::kIo, dir + ": cannot sync the state directory", "job-store");
  }
}

}  // namespace

SqliteJobStore::SqliteJobStore(const std::string& db_path, bool create, UniqueFd lock)
    : db_(db_path, create), lock_(std::move(lock)) {
  MutexLock hold(mutex_);
  Configure();
  Migrate();
}

void SqliteJobStore::Configure() {
  db_.Exec(("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs)).c_str());
  // WAL: readers (an operator's `jobs list`) never block the service's writes, and a commit
  // is one append to the log. A file system without shared memory support keeps the old mode
  // silently, so the answer is checked.
  SqliteStatement mode(db_, "PRAGMA journal_mode = WAL");
  if (!mode.Step() || mode.Text(0) != "wal") {
    throw Error(ErrorKind::kIo, db_.path() + ": cannot use write-ahead logging here", "job-store");
  }
  // FULL: the log is fsynced at every commit, so an acknowledged Enqueue survives power loss,
  // not only a crash of this process (NORMAL would lose the last commits on power loss).
  db_.Exec("PRAGMA synchronous = FULL");
}

void SqliteJobStore::Migrate() {
  SqliteTransaction transaction(db_);
  const int64_t version = db_.QueryInt("PRAGMA user_version");
  if (version > kJobStoreSchemaVersion) {
    throw Error(ErrorKind::kIo,
                db_.path() + ": job store schema version " + std::to_string(version) +
                    " is newer than this unpackd knows (" + std::to_string(kJobStoreSchemaVersion) +
                    ")",
                "job-store");
  }
  if (version < 1) {
    db_.Exec(kSchemaV1);
    db_.Exec("PRAGMA user_version = 1");
  }
  if (version < 2) {
    CreateOutboxSchema(db_);
    db_.Exec("PRAGMA user_version = 2");
  }
  // Later versions: `if (version < 3) { ALTER ...; PRAGMA user_version = 3; }`, and so on.
  transaction.Commit();
}

int SqliteJobStore::RequeueRunning(int64_t now_ms) {
  MutexLock hold(mutex_);
  SqliteStatement requeue(
      db_, "UPDATE jobs SET state = 'queued', updated_ms = ?1 WHERE state = 'running'");
  requeue.Bind(1, now_ms).Run();
  return db_.Changes();
}

EnqueueResult SqliteJobStore::Enqueue(const JobRequest& request, int64_t now_ms) {
  MutexLock hold(mutex_);
  const std::string identity = Identity(request);
  const std::string order = NormalizeSequencer(request.sequencer);
  SqliteTransaction transaction(db_);

  // The same archive version: a redelivery, or (no identity) a queued job that will read the
  // key's content anyway.
  SqliteStatement same(db_, identity.empty()
                                ? "SELECT id, state, sequencer_order FROM jobs WHERE bucket = ?1 "
                                  "AND key = ?2 AND identity = '' AND state = 'queued' LIMIT 1"
                                : "SELECT id, state, sequencer_order FROM jobs WHERE bucket = ?1 "
                                  "AND key = ?2 AND identity = ?3");
  same.Bind(1, request.bucket).Bind(2, request.key);
  if (!identity.empty()) same.Bind(3, identity);
  std::optional<int64_t> reopen;
  if (same.Step()) {
    const int64_t id = same.Int(0);
    const std::string state = same.Text(1), seen_order = same.Text(2);
    // The one exception: a finished job's version uploaded again after another version
    // (A, B, A with the same ETag, no versioning). Its new event is newer than the other
    // version's, so the key holds A again and A must be extracted again.
    const bool finished = state == "done" || state == "failed" || state == "refused";
    bool overtaken = false;
    if (finished && CompareSequencers(order, seen_order) > 0) {
      overtaken = HasNewerSequencer(db_, request, seen_order);
    }
    if (!overtaken) return {EnqueueOutcome::kDuplicate, id};
    reopen = id;
  }

  if (!order.empty() && HasNewerSequencer(db_, request, order)) {
    return {EnqueueOutcome::kStale, 0};
  }

  if (reopen) {
    SqliteStatement again(db_,
                          "UPDATE jobs SET state = 'queued', attempts = 0, sequencer = ?2, "
                          "sequencer_order = ?3, event_time = ?4, origin = ?5, rule = ?6, "
                          "updated_ms = ?7, next_attempt_ms = ?7, error_kind = '', "
                          "error_code = '', error = '', result_json = '' WHERE id = ?1");
    again.Bind(1, *reopen)
        .Bind(2, request.sequencer)
        .Bind(3, order)
        .Bind(4, request.event_time)
        .Bind(5, request.origin)
        .Bind(6, request.rule)
        .Bind(7, now_ms)
        .Run();
    transaction.Commit();
    return {EnqueueOutcome::kCreated, *reopen};
  }

  SqliteStatement insert(
      db_,
      "INSERT INTO jobs (bucket, key, identity, etag, version_id, sequencer, sequencer_order, "
      "size, rule, origin, event_time, state, attempts, created_ms, updated_ms, "
      "next_attempt_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'queued', 0, "
      "?12, ?12, ?12)");
  insert.Bind(1, request.bucket)
      .Bind(2, request.key)
      .Bind(3, identity)
      .Bind(4, request.etag)
      .Bind(5, request.version_id)
      .Bind(6, request.sequencer)
      .Bind(7, order)
      .Bind(8, static_cast<int64_t>(request.size))
      .Bind(9, request.rule)
      .Bind(10, request.origin)
      .Bind(11, request.event_time)
      .Bind(12, now_ms)
      .Run();
  const int64_t id = db_.LastInsertRowId();
  transaction.Commit();  // synced (synchronous = FULL): the event may be acknowledged now
  return {EnqueueOutcome::kCreated, id};
}

std::optional<JobRecord> SqliteJobStore::ClaimNext(int64_t now_ms) {
  MutexLock hold(mutex_);
  // IMMEDIATE: the choice and the update are one step even with an operator's connection
  // writing beside us.
  SqliteTransaction transaction(db_);
  SqliteStatement pick(db_, Sql({"SELECT j.id FROM jobs j WHERE ", kRunnable,
                                 " AND j.next_attempt_ms <= ?1 ORDER BY j.next_attempt_ms, "
                                 "j.id LIMIT 1"})
                                .c_str());
  pick.Bind(1, now_ms);
  if (!pick.Step()) return std::nullopt;
  const int64_t id = pick.Int(0);
  SqliteStatement claim(db_,
                        "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
                        "updated_ms = ?2 WHERE id = ?1");
  claim.Bind(1, id).Bind(2, now_ms).Run();
  std::optional<JobRecord> record = GetLocked(id);
  transaction.Commit();
  return record;
}

void SqliteJobStore::Finish(int64_t id, JobState state, const std::string& kind,
                            const std::string& code, const std::string& message,
                            const std::string& result_json, int64_t next_attempt_ms,
                            const std::vector<OutboxMessage>& notifications, int64_t now_ms) {
  // One transaction: a job's end and its notifications are durable together or not at all.
  SqliteTransaction transaction(db_);
  SqliteStatement finish(db_,
                         "UPDATE jobs SET state = ?2, error_kind = ?3, error_code = ?4, "
                         "error = ?5, result_json = ?6, next_attempt_ms = ?7, updated_ms = ?8 "
                         "WHERE id = ?1 AND state = 'running'");
  finish.Bind(1, id)
      .Bind(2, JobStateName(state))
      .Bind(3, kind)
      .Bind(4, code)
      .Bind(5, message)
      .Bind(6, result_json)
      .Bind(7, next_attempt_ms)
      .Bind(8, now_ms)
      .Run();
  if (db_.Changes() == 0) {
    throw Error(ErrorKind::kInternal,
                db_.path() + ": job " + std::to_string(id) + " is not running", "job-not-running");
  }
  InsertOutboxMessages(db_, id, notifications, now_ms);
  transaction.Commit();  // synced (synchronous = FULL)
}

void SqliteJobStore::MarkDone(int64_t id, const std::string& result_json,
                              const std::vector<OutboxMessage>& notifications, int64_t now_ms) {
  MutexLock hold(mutex_);
  Finish(id, JobState::kDone, "", "", "", result_json, now_ms, notifications, now_ms);
}

void SqliteJobStore::MarkRefused(int64_t id, const std::string& kind, const std::string& code,
                                 const std::string& message,
                                 const std::vector<OutboxMessage>& notifications, int64_t now_ms) {
  MutexLock hold(mutex_);
  Finish(id, JobState::kRefused, kind, code, message, "", now_ms, notifications, now_ms);
}

void SqliteJobStore::MarkFailed(int64_t id, const std::string& kind, const std::string& code,
                                const std::string& message, std::optional<int64_t> retry_at_ms,
                                const std::vector<OutboxMessage>& notifications, int64_t now_ms) {
  MutexLock hold(mutex_);
  // A job that runs again has not ended: its notifications wait for its last attempt.
  static const std::vector<OutboxMessage> kNone;
  Finish(id, retry_at_ms ? JobState::kQueued : JobState::kFailed, kind, code, message, "",
         retry_at_ms.value_or(now_ms), retry_at_ms ? kNone : notifications, now_ms);
}

std::optional<JobRecord> SqliteJobStore::GetLocked(int64_t id) {
  SqliteStatement get(db_, Sql({"SELECT ", kColumns, " FROM jobs WHERE id = ?1"}).c_str());
  get.Bind(1, id);
  if (!get.Step()) return std::nullopt;
  return ReadRecord(get);
}

std::optional<JobRecord> SqliteJobStore::Get(int64_t id) {
  MutexLock hold(mutex_);
  return GetLocked(id);
}

std::vector<JobRecord> SqliteJobStore::List(std::optional<JobState> state, size_t limit) {
  MutexLock hold(mutex_);
  SqliteStatement list(db_, Sql({"SELECT ", kColumns,
                                 " FROM jobs WHERE (?1 IS NULL OR state = ?1) ORDER BY id DESC "
                                 "LIMIT ?2"})
                                .c_str());
  if (state) {
    list.Bind(1, JobStateName(*state));
  } else {
    list.BindNull(1);
  }
  list.Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<JobRecord> records;
  while (list.Step()) records.push_back(ReadRecord(list));
  return records;
}

bool SqliteJobStore::Retry(int64_t id, int64_t now_ms) {
  MutexLock hold(mutex_);
  // The last error stays until the next attempt ends: it is why the operator retried.
  SqliteStatement retry(db_,
                        "UPDATE jobs SET state = 'queued', next_attempt_ms = ?2, updated_ms = ?2 "
                        "WHERE id = ?1 AND state IN ('failed', 'refused')");
  retry.Bind(1, id).Bind(2, now_ms).Run();
  return db_.Changes() > 0;
}

std::map<JobState, uint64_t> SqliteJobStore::CountByState() {
  MutexLock hold(mutex_);
  std::map<JobState, uint64_t> counts;
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kDone, JobState::kFailed,
                         JobState::kRefused}) {
    counts[state] = 0;
  }
  SqliteStatement count(db_, "SELECT state, count(*) FROM jobs GROUP BY state");
  while (count.Step()) counts[StateFromText(count.Text(0))] = static_cast<uint64_t>(count.Int(1));
  return counts;
}

std::optional<int64_t> SqliteJobStore::NextDueMs() {
  MutexLock hold(mutex_);
  SqliteStatement due(db_,
                      Sql({"SELECT min(j.next_attempt_ms) FROM jobs j WHERE ", kRunnable}).c_str());
  if (!due.Step() || due.IsNull(0)) return std::nullopt;
  return due.Int(0);
}

std::vector<OutboxEntry> SqliteJobStore::DueNotifications(int64_t now_ms, size_t limit) {
  MutexLock hold(mutex_);
  return SelectDueOutboxEntries(db_, now_ms, limit);
}

void SqliteJobStore::MarkNotificationDelivered(int64_t id, int64_t now_ms) {
  MutexLock hold(mutex_);
  MarkOutboxAttempt(db_, id, OutboxState::kDelivered, now_ms, "", now_ms);
}

void SqliteJobStore::MarkNotificationRetry(int64_t id, int64_t next_attempt_ms,
                                           const std::string& error, int64_t now_ms) {
  MutexLock hold(mutex_);
  MarkOutboxAttempt(db_, id, OutboxState::kPending, next_attempt_ms, error, now_ms);
}

void SqliteJobStore::MarkNotificationDead(int64_t id, const std::string& error, int64_t now_ms) {
  MutexLock hold(mutex_);
  MarkOutboxAttempt(db_, id, OutboxState::kDead, now_ms, error, now_ms);
}

void SqliteJobStore::DeadLetterTarget(const std::string& target, const std::string& error,
                                      int64_t now_ms) {
  MutexLock hold(mutex_);
  DeadLetterOutboxTarget(db_, target, error, now_ms);
}

std::optional<int64_t> SqliteJobStore::NextNotificationDueMs() {
  MutexLock hold(mutex_);
  return SelectNextOutboxDueMs(db_);
}

uint64_t SqliteJobStore::PruneDelivered(int64_t now_ms) {
  MutexLock hold(mutex_);
  SqliteTransaction transaction(db_);
  const uint64_t pruned = PruneDeliveredOutbox(db_, now_ms - kDeliveredRetentionMs, kDeliveredKeep);
  transaction.Commit();
  return pruned;
}

std::vector<OutboxEntry> SqliteJobStore::ListNotifications(std::optional<OutboxState> state,
                                                           size_t limit) {
  MutexLock hold(mutex_);
  return SelectOutboxEntries(db_, state, limit);
}

std::optional<OutboxEntry> SqliteJobStore::GetNotification(int64_t id) {
  MutexLock hold(mutex_);
  return SelectOutboxEntry(db_, id);
}

bool SqliteJobStore::RetryNotification(int64_t id, int64_t now_ms) {
  MutexLock hold(mutex_);
  return RetryDeadOutboxEntry(db_, id, now_ms);
}

std::map<OutboxState, uint64_t> SqliteJobStore::CountNotificationsByState() {
  MutexLock hold(mutex_);
  return CountOutboxByState(db_);
}

std::unique_ptr<JobStore> JobStore::Open(const std::string& state_dir) {
  UniqueFd lock = LockStateDir(state_dir);  // also creates the directory
  const std::string path = DbPath(state_dir);
  const bool existed = std::filesystem::exists(path);
  auto store = std::make_unique<SqliteJobStore>(path, /*create=*/true, std::move(lock));
  if (!existed) SyncDirectory(state_dir);
  store->RequeueRunning(NowMs());
  return store;
}

std::unique_ptr<JobStore> JobStore::OpenForOperator(const std::string& state_dir) {
  const std::string path = DbPath(state_dir);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorKind::kNotFound, path + ": no job store here (see --state-dir)", "job-store");
  }
  return std::make_unique<SqliteJobStore>(path, /*create=*/false, UniqueFd());
}

}  // namespace unpackd
