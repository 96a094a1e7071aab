// CancellationToken: lets one thread ask work running on others to stop at its next safe
// point (for an extraction: a member boundary). Cancel() may be called from any thread,
// any number of times; the work sees it through cancelled().
#pragma once

#include <atomic>

namespace unpackd {

class CancellationToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace unpackd
