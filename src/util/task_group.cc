#include "util/task_group.h"

namespace unpackd {

void TaskGroup::Run(std::function<void()> task) {
  {
    MutexLock lock(mutex_);
    ++running_;
  }
  executor_.Submit(lane_, [this, task = std::move(task)] {
    std::exception_ptr error;
    try {
      task();
    } catch (...) {
      error = std::current_exception();
    }
    MutexLock lock(mutex_);
    if (error && !first_error_) first_error_ = error;
    if (--running_ == 0) done_.NotifyAll();
  });
}

void TaskGroup::WaitNoThrow() {
  MutexLock lock(mutex_);
  while (running_ > 0) done_.Wait(mutex_);
}

void TaskGroup::Wait() {
  WaitNoThrow();
  MutexLock lock(mutex_);
  if (first_error_) std::rethrow_exception(first_error_);
}

}  // namespace unpackd
