// DeadlineWatch: cancels a token when a point in time passes, so an extraction stops starting
// members before Lambda's deadline (util/cancellation.h: work stops at its next member
// boundary). It waits on the executor's service lane rather than on a thread of its own.
//
// Thread safety: construct and destroy on one thread; the token may be watched from any.
#pragma once

#include <chrono>

#include "util/cancellation.h"
#include "util/executor.h"
#include "util/task_group.h"
#include "util/wakeup.h"

namespace unpackd::lambda {

class DeadlineWatch {
 public:
  // Cancels `token` at `when` unless destroyed first. `executor` and `token` must outlive the
  // watch; the executor needs a free service-lane thread.
  DeadlineWatch(Executor& executor, CancellationToken& token,
                std::chrono::steady_clock::time_point when);
  // Stops watching and waits for the watcher to return (promptly: it is woken).
  ~DeadlineWatch();
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  // Whether the deadline passed and the token was cancelled by this watch.
  bool fired() const { return fired_.load(std::memory_order_acquire); }

 private:
  Wakeup wakeup_;
  std::atomic<bool> fired_{false};
  TaskGroup watcher_;  // last: destroyed (joined) first
};

}  // namespace unpackd::lambda
