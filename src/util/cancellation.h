// CancellationToken: lets one thread ask work running on others to stop at its next safe
// point (for an extraction: a member boundary). Cancel() may be called from any thread,
// any number of times; the work sees it through cancelled().
//
// Work that sleeps on a condition variable (a request waiting out an outage) cannot poll:
// it subscribes with OnCancel() so Cancel() wakes it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>

#include "util/mutex.h"

namespace unpackd {

class CancellationToken {
 public:
  CancellationToken() = default;
  CancellationToken(const CancellationToken&) = delete;
  CancellationToken& operator=(const CancellationToken&) = delete;

  // Sets the flag, then runs every subscriber's callback (the first call only).
  void Cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

  // Ends a subscription when destroyed; after that its callback never runs again, and if it
  // was running on the cancelling thread, the destructor waited for it to return.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(const CancellationToken* token, uint64_t id) : token_(token), id_(id) {}
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription();

   private:
    const CancellationToken* token_ = nullptr;
    uint64_t id_ = 0;
  };

  // Runs `wake` when Cancel() is called, on the cancelling thread, with the token's lock
  // held: `wake` must only notify (take its own lock briefly and signal) and never call back
  // into this token. Subscribers use cancelled() to see the flag; a token already cancelled
  // does not call `wake`.
  [[nodiscard]] Subscription OnCancel(std::function<void()> wake) const;

 private:
  std::atomic<bool> cancelled_{false};
  // Observing a token does not change it: subscribing works on a const token.
  mutable Mutex mutex_;
  mutable uint64_t next_id_ GUARDED_BY(mutex_) = 1;
  mutable std::map<uint64_t, std::function<void()>> subscribers_ GUARDED_BY(mutex_);
};

}  // namespace unpackd
