#include "util/wakeup.h"

namespace unpackd {

uint64_t Wakeup::Ticket() const {
  MutexLock lock(mutex_);
  return notices_;
}

void Wakeup::Notify() {
  {
    MutexLock lock(mutex_);
    ++notices_;
  }
  changed_.NotifyAll();
}

void Wakeup::Close() {
  {
    MutexLock lock(mutex_);
    closed_ = true;
  }
  changed_.NotifyAll();
}

bool Wakeup::closed() const {
  MutexLock lock(mutex_);
  return closed_;
}

bool Wakeup::WaitUntil(uint64_t ticket, std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(mutex_);
  while (!closed_ && notices_ == ticket && std::chrono::steady_clock::now() < deadline) {
    changed_.WaitUntil(mutex_, deadline);
  }
  return !closed_;
}

}  // namespace unpackd
