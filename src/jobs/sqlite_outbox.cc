#include "jobs/sqlite_outbox.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "util/error.h"

namespace unpackd {
namespace {

constexpr const char* kOutboxSchema = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a target's order is id order
  job_id INTEGER NOT NULL,
  target TEXT NOT NULL,
  event_id TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_event ON outbox (target, event_id);
-- Each target's head (its lowest pending id): DueNotifications, DeadLetterTarget.
CREATE INDEX IF NOT EXISTS outbox_head ON outbox (state, target, id);
-- Listing by state newest first, and pruning the delivered.
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, id);
)sql";

constexpr const char* kColumns =
    "id, job_id, target, event_id, payload_json, state, attempts, created_ms, updated_ms, "
    "next_attempt_ms, last_error";

// The entries DueNotifications may hand out: each target's oldest pending entry.
constexpr const char* kHeads =
    "id IN (SELECT min(id) FROM outbox WHERE state = 'pending' GROUP BY target)";

int64_t Limit(size_t limit) { return static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)); }

OutboxEntry ReadEntry(const SqliteStatement& row) {
  OutboxEntry e;
  e.id = row.Int(0);
  e.job_id = row.Int(1);
  e.target = row.Text(2);
  e.event_id = row.Text(3);
  e.payload_json = row.Text(4);
  // The CHECK constraint admits only names ParseOutboxState knows.
  e.state = ParseOutboxState(row.Text(5)).value_or(OutboxState::kPending);
  e.attempts = static_cast<int>(row.Int(6));
  e.created_ms = row.Int(7);
  e.updated_ms = row.Int(8);
  e.next_attempt_ms = row.Int(9);
  e.last_error = row.Text(10);
  return e;
}

std::vector<OutboxEntry> ReadEntries(SqliteStatement& statement) {
  std::vector<OutboxEntry> entries;
  while (statement.Step()) entries.push_back(ReadEntry(statement));
  return entries;
}

}  // namespace

void CreateOutboxSchema(SqliteConnection& db) { db.Exec(kOutboxSchema); }

void InsertOutboxMessages(SqliteConnection& db, int64_t job_id,
                          const std::vector<OutboxMessage>& messages, int64_t now_ms) {
  for (const OutboxMessage& message : messages) {
    if (message.target.empty() || message.event_id.empty()) {
      throw Error(ErrorKind::kInternal,
                  db.path() + ": job " + std::to_string(job_id) +
                      ": a notification needs a target and an event id",
                  "notification-invalid");
    }
    // DO NOTHING only for this one conflict: any other constraint still fails the transaction.
    SqliteStatement insert(
        db,
        "INSERT INTO outbox (job_id, target, event_id, payload_json, state, attempts, "
        "created_ms, updated_ms, next_attempt_ms) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?5, "
        "?5) ON CONFLICT (target, event_id) DO NOTHING");
    insert.Bind(1, job_id)
        .Bind(2, message.target)
        .Bind(3, message.event_id)
        .Bind(4, message.payload_json)
        .Bind(5, now_ms)
        .Run();
  }
}

std::vector<OutboxEntry> SelectDueOutboxEntries(SqliteConnection& db, int64_t now_ms,
                                                size_t limit) {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM outbox WHERE " + kHeads +
                          " AND next_attempt_ms <= ?1 ORDER BY next_attempt_ms, id LIMIT ?2";
  SqliteStatement due(db, sql.c_str());
  due.Bind(1, now_ms).Bind(2, Limit(limit));
  return ReadEntries(due);
}

std::optional<int64_t> SelectNextOutboxDueMs(SqliteConnection& db) {
  const std::string sql = std::string("SELECT min(next_attempt_ms) FROM outbox WHERE ") + kHeads;
  SqliteStatement next(db, sql.c_str());
  if (!next.Step() || next.IsNull(0)) return std::nullopt;
  return next.Int(0);
}

void MarkOutboxAttempt(SqliteConnection& db, int64_t id, OutboxState state, int64_t next_attempt_ms,
                       const std::string& error, int64_t now_ms) {
  SqliteStatement mark(db,
                       "UPDATE outbox SET state = ?2, attempts = attempts + 1, "
                       "next_attempt_ms = ?3, last_error = ?4, updated_ms = ?5 "
                       "WHERE id = ?1 AND state = 'pending'");
  mark.Bind(1, id)
      .Bind(2, OutboxStateName(state))
      .Bind(3, next_attempt_ms)
      .Bind(4, error)
      .Bind(5, now_ms)
      .Run();
  if (db.Changes() == 0) {
    throw Error(ErrorKind::kInternal,
                db.path() + ": notification " + std::to_string(id) + " is not pending",
                "notification-not-pending");
  }
}

void DeadLetterOutboxTarget(SqliteConnection& db, const std::string& target,
                            const std::string& error, int64_t now_ms) {
  SqliteStatement dead(db,
                       "UPDATE outbox SET state = 'dead', last_error = ?2, updated_ms = ?3 "
                       "WHERE state = 'pending' AND target = ?1");
  dead.Bind(1, target).Bind(2, error).Bind(3, now_ms).Run();
}

uint64_t PruneDeliveredOutbox(SqliteConnection& db, int64_t older_than_ms, uint64_t keep) {
  uint64_t pruned = 0;
  // Beyond the newest `keep`: everything below the keep-th newest id (none when fewer: the
  // subquery is NULL and `id < NULL` holds for no row).
  SqliteStatement surplus(db,
                          "DELETE FROM outbox WHERE state = 'delivered' AND id < (SELECT id FROM "
                          "outbox WHERE state = 'delivered' ORDER BY id DESC LIMIT 1 OFFSET ?1)");
  surplus.Bind(1, static_cast<int64_t>(std::max<uint64_t>(keep, 1) - 1)).Run();
  pruned += static_cast<uint64_t>(db.Changes());
  SqliteStatement old(db, "DELETE FROM outbox WHERE state = 'delivered' AND updated_ms < ?1");
  old.Bind(1, older_than_ms).Run();
  pruned += static_cast<uint64_t>(db.Changes());
  return pruned;
}

std::vector<OutboxEntry> SelectOutboxEntries(SqliteConnection& db, std::optional<OutboxState> state,
                                             size_t limit) {
  const std::string sql = std::string("SELECT ") + kColumns +
                          " FROM outbox WHERE (?1 IS NULL OR state = ?1) ORDER BY id DESC LIMIT ?2";
  SqliteStatement list(db, sql.c_str());
  if (state) {
    list.Bind(1, OutboxStateName(*state));
  } else {
    list.BindNull(1);
  }
  list.Bind(2, Limit(limit));
  return ReadEntries(list);
}

std::optional<OutboxEntry> SelectOutboxEntry(SqliteConnection& db, int64_t id) {
  const std::string sql = std::string("SELECT ") + kColumns + " FROM outbox WHERE id = ?1";
  SqliteStatement get(db, sql.c_str());
  get.Bind(1, id);
  if (!get.Step()) return std::nullopt;
  return ReadEntry(get);
}

bool RetryDeadOutboxEntry(SqliteConnection& db, int64_t id, int64_t now_ms) {
  SqliteStatement retry(db,
                        "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_ms = ?2, "
                        "updated_ms = ?2 WHERE id = ?1 AND state = 'dead'");
  retry.Bind(1, id).Bind(2, now_ms).Run();
  return db.Changes() > 0;
}

std::map<OutboxState, uint64_t> CountOutboxByState(SqliteConnection& db) {
  std::map<OutboxState, uint64_t> counts = {
      {OutboxState::kPending, 0}, {OutboxState::kDelivered, 0}, {OutboxState::kDead, 0}};
  SqliteStatement count(db, "SELECT state, count(*) FROM outbox GROUP BY state");
  while (count.Step()) {
    if (auto state = ParseOutboxState(count.Text(0))) {
      counts[*state] = static_cast<uint64_t>(count.Int(1));
    }
  }
  return counts;
}

}  // namespace unpackd
