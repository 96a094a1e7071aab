// Wakeup: lets a loop sleep until something it waits for may have changed, without losing a
// notice that arrives between its last look and its sleep: take a ticket before looking, and
// sleep only if no Notify came after that ticket.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace unpackd {

class Wakeup {
 public:
  // Take before looking for work; pass to WaitUntil when there was none.
  uint64_t Ticket() const;
  // Ends the waits of tickets taken before it.
  void Notify();
  // Ends every wait, now and later: the loop is stopping.
  void Close();
  bool closed() const;
  // Sleeps until a Notify after `ticket`, Close, or `deadline`, whichever is first. Returns
  // false when closed.
  bool WaitUntil(uint64_t ticket, std::chrono::steady_clock::time_point deadline);

 private:
  mutable Mutex mutex_;
  CondVar changed_;
  uint64_t notices_ GUARDED_BY(mutex_) = 0;
  bool closed_ GUARDED_BY(mutex_) = false;
};

}  // namespace unpackd
