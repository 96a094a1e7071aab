// WritePipe: objects written in order by one task on the executor's member lane while the
// caller produces their bytes, so writing (an upload's round trips, a local file's writes and
// link) overlaps the work that makes the next bytes (decompressing a tar stream). The
// sequential reader's one thread would otherwise wait for every write.
//
// Memory: at most `max_buffered` bytes wait between the two sides (Append blocks beyond it),
// plus what the store's writer holds. Thread safety: one producer thread; the writer task is
// the pipe's own.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/object_store.h"
#include "util/executor.h"
#include "util/mutex.h"
#include "util/task_group.h"

namespace unpackd {

class WritePipe {
 public:
  // `store` and `executor` must outlive the pipe.
  WritePipe(ObjectStore& store, Executor& executor, size_t max_buffered);
  // Stops the writer task as Abort() does when Finish() was not called.
  ~WritePipe();
  WritePipe(const WritePipe&) = delete;
  WritePipe& operator=(const WritePipe&) = delete;

  // Queues a new object; `Commit` or `Abort` must end the previous one first. Begin, Append
  // and Commit throw the writer task's first error (a store error), once it has one.
  void Begin(const ObjectRef& dest, const WriteOptions& options);
  // Copies `data` into the queue; blocks while `max_buffered` bytes wait.
  void Append(std::span<const std::byte> data);
  // Queues the commit of the current object: visible once the writer task reaches it.
  void Commit();

  // Waits until every queued object is committed; rethrows the writer task's first error.
  void Finish();
  // Drops what is queued, aborts the object being written (never committed), and waits for
  // the writer task to stop. Never throws.
  void Abort() noexcept;

  // The keys committed so far (after Finish or Abort: all of them), for a rollback.
  std::vector<std::string> Committed();

 private:
  struct Op {
    enum class Kind { kBegin, kData, kCommit } kind;
    ObjectRef dest;
    WriteOptions options;
    std::vector<std::byte> data;
  };
  void Push(Op op);
  void Drain();  // the writer task
  void ThrowIfFailed() REQUIRES(mu_);

  ObjectStore& store_;
  const size_t max_buffered_;
  Mutex mu_;
  CondVar changed_;
  std::deque<Op> queue_ GUARDED_BY(mu_);
  size_t buffered_ GUARDED_BY(mu_) = 0;
  bool closing_ GUARDED_BY(mu_) = false;   // no more ops: the task ends once queue_ is empty
  bool aborting_ GUARDED_BY(mu_) = false;  // drop everything, abort the current writer
  bool failed_ GUARDED_BY(mu_) = false;
  std::exception_ptr error_ GUARDED_BY(mu_);
  std::vector<std::string> committed_ GUARDED_BY(mu_);
  bool finished_ = false;
  TaskGroup task_;  // last: destroyed (waited for) first
};

}  // namespace unpackd
