// MemoryBudget: a byte-counting semaphore that bounds one share of the memory plan (part
// buffers across all writers of a store, decoder windows across the members of a job).
#pragma once

#include <cstdint>

#include "util/mutex.h"

namespace unpackd {

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Blocks until `bytes` fit under the limit. A request larger than the whole limit is let
  // through when nothing else is reserved, so one oversized part cannot deadlock. Thread-safe.
  void Acquire(uint64_t bytes);
  // Takes `bytes` at once, even beyond the limit. For a writer that already holds a buffer and
  // must grow it (blocking there could deadlock writers against each other).
  void AcquireWithoutWaiting(uint64_t bytes);
  void Release(uint64_t bytes);

  uint64_t in_use() const;
  uint64_t peak() const;
  uint64_t limit() const { return limit_; }

 private:
  const uint64_t limit_;
  mutable Mutex mutex_;
  CondVar released_;
  uint64_t in_use_ GUARDED_BY(mutex_) = 0;
  uint64_t peak_ GUARDED_BY(mutex_) = 0;
};

// RAII: a number of bytes held from a MemoryBudget. Movable; releases on destruction.
class BudgetReservation {
 public:
  BudgetReservation() = default;
  BudgetReservation(MemoryBudget* budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
  BudgetReservation(BudgetReservation&& other) noexcept { *this = std::move(other); }
  BudgetReservation& operator=(BudgetReservation&& other) noexcept;
  ~BudgetReservation() { Reset(); }

  // Grows the reservation by `more` bytes without waiting (see AcquireWithoutWaiting).
  void GrowWithoutWaiting(uint64_t more);
  void Reset();
  uint64_t bytes() const { return bytes_; }

 private:
  MemoryBudget* budget_ = nullptr;
  uint64_t bytes_ = 0;
};

}  // namespace unpackd
