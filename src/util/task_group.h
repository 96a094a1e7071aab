// TaskGroup: waits for a set of tasks submitted to the Executor and keeps the first error.
// The extract job uses one per archive: members run on the member lane, the job waits here.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>

#include "util/executor.h"
#include "util/mutex.h"

namespace unpackd {

class TaskGroup {
 public:
  TaskGroup(Executor& executor, Lane lane) : executor_(executor), lane_(lane) {}
  // Waits for every task (they reference the caller's state).
  ~TaskGroup() { WaitNoThrow(); }
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Runs `task` on the group's lane. An exception it throws is kept (the first one wins) and
  // rethrown by Wait().
  void Run(std::function<void()> task);

  // Blocks until every task has finished, then rethrows the first error, if any.
  void Wait();
  // The same, keeping the error (for tasks that handle their own).
  void WaitNoThrow();

 private:
  Executor& executor_;
  const Lane lane_;
  Mutex mutex_;
  CondVar done_;
  size_t running_ GUARDED_BY(mutex_) = 0;
  std::exception_ptr first_error_ GUARDED_BY(mutex_);
};

}  // namespace unpackd
