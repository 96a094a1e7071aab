// SqliteConnection, SqliteStatement and SqliteTransaction: RAII owners of one sqlite3*
// connection, one prepared sqlite3_stmt* and one open transaction, reporting every failure
// as Error(kIo, "<db path>: <what>: <sqlite message>", "job-store").
//
// Thread safety: none. A connection and its statements belong to one thread at a time (the
// job store guards its one connection with a Mutex); SQLite itself is built serialized, but
// the error message read after a failure would be racy without the caller's lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace unpackd {

class SqliteConnection {
 public:
  // Opens (with `create`: creates) the database file at `path`, extended result codes on.
  // Throws Error(kIo) if it cannot be opened; the connection is then never half-made.
  SqliteConnection(std::string path, bool create);
  SqliteConnection(SqliteConnection&&) noexcept = default;
  SqliteConnection& operator=(SqliteConnection&&) noexcept = default;
  ~SqliteConnection() = default;

  // Runs `sql` (one or more statements, no parameters, rows ignored).
  void Exec(const char* sql);
  // The first column of the first row of `sql`, as an integer (0 if there is no row).
  int64_t QueryInt(const char* sql);
  // sqlite3_changes(): rows the last INSERT, UPDATE or DELETE touched.
  int Changes() const;
  int64_t LastInsertRowId() const;

  const std::string& path() const { return path_; }
  sqlite3* get() const { return db_.get(); }

  // The Error for a failed call about `what`, with SQLite's message for this connection.
  [[nodiscard]] Error Failure(std::string_view what) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
};

// One prepared statement. Bind parameters (1-based), then Step() until it returns false.
class SqliteStatement {
 public:
  SqliteStatement(SqliteConnection& db, const char* sql);

  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& BindNull(int index);

  // True when a row is ready to read; false when the statement is done. Throws Error(kIo)
  // (SQLITE_BUSY included: the busy timeout has already been waited).
  bool Step();
  // Steps a statement that returns no row (INSERT, UPDATE).
  void Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  SqliteConnection* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// BEGIN IMMEDIATE on construction (takes the write lock now, so a read-then-write inside
// cannot fail half-way with SQLITE_BUSY); ROLLBACK on destruction unless Commit() ran, so an
// exception between them leaves the database as it was.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  void Commit();

 private:
  SqliteConnection& db_;
  bool open_ = true;
};

}  // namespace unpackd
