// The outbox table's SQL, for SqliteJobStore: the notifications of job_store.h's contract kept
// in the job store's own database, so that they can share a transaction with a job's end.
//
// Schema (job store schema version 2): `outbox`, state as text ("pending", "delivered",
// "dead") so an operator's sqlite3 shell reads it; (target, event_id) unique; `job_id` names a
// row of `jobs` (jobs are never deleted, so it is not declared a foreign key: SQLite would not
// enforce it without a pragma anyway).
//
// Thread safety: none. Every function runs on the caller's connection, which the caller
// guards (SqliteJobStore holds its mutex around each call).
// Errors: Error(kIo, "job-store") from SQLite; Error(kInternal, "notification-not-pending")
// from the Mark functions when entry `id` is not pending; Error(kInternal,
// "notification-invalid") from InsertOutboxMessages for an empty target or event id.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jobs/outbox_entry.h"
#include "jobs/sqlite_handle.h"

namespace unpackd {

// Creates the table and its indexes where missing (a store made before the outbox).
void CreateOutboxSchema(SqliteConnection& db);

// One pending entry per message for job `job_id`, due at `now_ms`; a message whose (target,
// event id) is already recorded is skipped. Runs inside the caller's transaction.
void InsertOutboxMessages(SqliteConnection& db, int64_t job_id,
                          const std::vector<OutboxMessage>& messages, int64_t now_ms);

std::vector<OutboxEntry> SelectDueOutboxEntries(SqliteConnection& db, int64_t now_ms, size_t limit);
std::optional<int64_t> SelectNextOutboxDueMs(SqliteConnection& db);
// A pending entry's outcome: `state` (pending again at `next_attempt_ms` for a retry),
// attempts + 1, `error` as last_error.
void MarkOutboxAttempt(SqliteConnection& db, int64_t id, OutboxState state, int64_t next_attempt_ms,
                       const std::string& error, int64_t now_ms);
void DeadLetterOutboxTarget(SqliteConnection& db, const std::string& target,
                            const std::string& error, int64_t now_ms);
uint64_t PruneDeliveredOutbox(SqliteConnection& db, int64_t older_than_ms, uint64_t keep);

std::vector<OutboxEntry> SelectOutboxEntries(SqliteConnection& db, std::optional<OutboxState> state,
                                             size_t limit);
std::optional<OutboxEntry> SelectOutboxEntry(SqliteConnection& db, int64_t id);
bool RetryDeadOutboxEntry(SqliteConnection& db, int64_t id, int64_t now_ms);
std::map<OutboxState, uint64_t> CountOutboxByState(SqliteConnection& db);

}  // namespace unpackd
