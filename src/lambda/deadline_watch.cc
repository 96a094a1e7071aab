#include "lambda/deadline_watch.h"

namespace unpackd::lambda {

DeadlineWatch::DeadlineWatch(Executor& executor, CancellationToken& token,
                             std::chrono::steady_clock::time_point when)
    : watcher_(executor, Lane::kService) {
  if (std::chrono::steady_clock::now() >= when) {
    // Already late: cancel before the caller starts anything, not whenever the watcher runs.
    fired_.store(true, std::memory_order_release);
    token.Cancel();
    return;
  }
  const uint64_t ticket = wakeup_.Ticket();
  watcher_.Run([this, &token, when, ticket] {
    // Notify is never called: the wait ends at `when` or when the destructor closes it.
    if (wakeup_.WaitUntil(ticket, when) && std::chrono::steady_clock::now() >= when) {
      fired_.store(true, std::memory_order_release);
      token.Cancel();
    }
  });
}

// The TaskGroup member then waits for the woken watcher.
DeadlineWatch::~DeadlineWatch() { wakeup_.Close(); }

}  // namespace unpackd::lambda
