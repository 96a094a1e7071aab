#include "util/memory_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace unpackd::s3 {
namespace {

TEST(MemoryBudget, AcquireBlocksUntilReleased) {
  MemoryBudget budget(100);
  budget.Acquire(60);
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    budget.Acquire(50);
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(acquired.load());
  budget.Release(60);
  waiter.join();
  EXPECT_TRUE(acquired.load());
  EXPECT_EQ(budget.in_use(), 50u);
  EXPECT_EQ(budget.peak(), 60u);
}

TEST(MemoryBudget, OversizedRequestPassesWhenAloneSoItCannotDeadlock) {
  MemoryBudget budget(10);
  budget.Acquire(25);
  EXPECT_EQ(budget.in_use(), 25u);
  budget.Release(25);
}

TEST(MemoryBudget, ReservationReleasesOnDestructionAndMove) {
  MemoryBudget budget(100);
  {
    budget.Acquire(30);
    BudgetReservation a(&budget, 30);
    a.GrowWithoutWaiting(80);  // may exceed the limit: the holder must not wait on itself
    EXPECT_EQ(budget.in_use(), 110u);
    BudgetReservation b = std::move(a);
    EXPECT_EQ(b.bytes(), 110u);
    EXPECT_EQ(a.bytes(), 0u);
  }
  EXPECT_EQ(budget.in_use(), 0u);
}

}  // namespace
}  // namespace unpackd::s3
