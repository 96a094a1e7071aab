#include "jobs/sqlite_handle.h"

#include <sqlite3.h>

#include <utility>

namespace unpackd {

void SqliteConnection::Closer::operator()(sqlite3* db) const {
  // close_v2 never fails for a busy connection: it closes once the last statement is gone.
  sqlite3_close_v2(db);
}

void SqliteStatement::Finalizer::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

SqliteConnection::SqliteConnection(std::string path, bool create) : path_(std::move(path)) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                    SQLITE_OPEN_NOMUTEX;  // the job store's Mutex serializes every use
  const int rc = sqlite3_open_v2(path_.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // even a failed open returns a handle that must be closed
  if (rc != SQLITE_OK) {
    throw Error(ErrorKind::kIo,
                path_ + ": open: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)), "job-store");
  }
  sqlite3_extended_result_codes(raw, 1);
}

Error SqliteConnection::Failure(std::string_view what) const {
  return Error(ErrorKind::kIo, path_ + ": " + std::string(what) + ": " + sqlite3_errmsg(db_.get()),
               "job-store");
}

void SqliteConnection::Exec(const char* sql) {
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw Failure(sql);
}

int64_t SqliteConnection::QueryInt(const char* sql) {
  SqliteStatement statement(*this, sql);
  return statement.Step() ? statement.Int(0) : 0;
}

int SqliteConnection::Changes() const { return sqlite3_changes(db_.get()); }

int64_t SqliteConnection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }

SqliteStatement::SqliteStatement(SqliteConnection& db, const char* sql) : db_(&db) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr) != SQLITE_OK) {
    throw db.Failure(std::string("prepare ") + sql);
  }
  stmt_.reset(raw);
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so `text` may die before Step().
  if (sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    throw db_->Failure("bind");
  }
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_.get(), index, value) != SQLITE_OK) throw db_->Failure("bind");
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_.get(), index) != SQLITE_OK) throw db_->Failure("bind");
  return *this;
}

bool SqliteStatement::Step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw db_->Failure(sqlite3_sql(stmt_.get()));
}

void SqliteStatement::Run() {
  while (Step()) {
  }
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::string SqliteStatement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_.get(), column);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column))};
}

SqliteTransaction::SqliteTransaction(SqliteConnection& db) : db_(db) {
  db_.Exec("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
  // A failed ROLLBACK (the connection already rolled back after an I/O error) leaves nothing
  // to undo; the destructor must not throw.
  if (open_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteTransaction::Commit() {
  db_.Exec("COMMIT");
  open_ = false;
}

}  // namespace unpackd
