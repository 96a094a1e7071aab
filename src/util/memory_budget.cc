#include "util/memory_budget.h"

#include <algorithm>
#include <utility>

namespace unpackd {

void MemoryBudget::Acquire(uint64_t bytes) {
  MutexLock lock(mutex_);
  while (in_use_ + bytes > limit_ && in_use_ != 0) released_.Wait(mutex_);
  in_use_ += bytes;
  peak_ = std::max(peak_, in_use_);
}

void MemoryBudget::AcquireWithoutWaiting(uint64_t bytes) {
  MutexLock lock(mutex_);
  in_use_ += bytes;
  peak_ = std::max(peak_, in_use_);
}

void MemoryBudget::Release(uint64_t bytes) {
  {
    MutexLock lock(mutex_);
    in_use_ -= std::min(bytes, in_use_);
  }
  released_.NotifyAll();
}

uint64_t MemoryBudget::in_use() const {
  MutexLock lock(mutex_);
  return in_use_;
}

uint64_t MemoryBudget::peak() const {
  MutexLock lock(mutex_);
  return peak_;
}

BudgetReservation& BudgetReservation::operator=(BudgetReservation&& other) noexcept {
  if (this != &other) {
    Reset();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void BudgetReservation::GrowWithoutWaiting(uint64_t more) {
  if (budget_ == nullptr || more == 0) return;
  budget_->AcquireWithoutWaiting(more);
  bytes_ += more;
}

void BudgetReservation::Reset() {
  if (budget_ != nullptr && bytes_ > 0) budget_->Release(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

}  // namespace unpackd
