#include "jobs/job_retry.h"

#include <gtest/gtest.h>

#include <cmath>

namespace unpackd {
namespace {

TEST(JobRetryTest, BackoffDoublesWithinHalfAStepAndIsCapped) {
  EXPECT_EQ(BackoffDelayMs(1, 0.0), kBackoffBaseMs / 2);
  EXPECT_EQ(BackoffDelayMs(1, 1.0), kBackoffBaseMs);
  EXPECT_EQ(BackoffDelayMs(2, 0.0), kBackoffBaseMs);
  EXPECT_EQ(BackoffDelayMs(3, 1.0), 4 * kBackoffBaseMs);
  EXPECT_EQ(BackoffDelayMs(3, 0.5), 3 * kBackoffBaseMs);
  EXPECT_EQ(BackoffDelayMs(1000, 1.0), kBackoffCapMs);
  EXPECT_EQ(BackoffDelayMs(1'000'000'000, 0.0), kBackoffCapMs / 2);
  EXPECT_EQ(BackoffDelayMs(0, 1.0), kBackoffBaseMs);
  EXPECT_EQ(BackoffDelayMs(-5, 1.0), kBackoffBaseMs);
  for (int attempts = 1; attempts < 20; ++attempts) {
    EXPECT_LE(BackoffDelayMs(attempts, 1.0), BackoffDelayMs(attempts + 1, 1.0));
    EXPECT_LE(BackoffDelayMs(attempts, 0.0), BackoffDelayMs(attempts, 0.7));
  }
}

TEST(JobRetryTest, JitterOutsideTheRangeIsClamped) {
  EXPECT_EQ(BackoffDelayMs(2, -3.0), BackoffDelayMs(2, 0.0));
  EXPECT_EQ(BackoffDelayMs(2, 7.0), BackoffDelayMs(2, 1.0));
  EXPECT_EQ(BackoffDelayMs(2, std::nan("")), BackoffDelayMs(2, 0.0));
}

TEST(JobRetryTest, NextAttemptStopsAtTheMaximum) {
  EXPECT_EQ(NextAttemptMs(1, 10'000, 1.0), 10'000 + kBackoffBaseMs);
  EXPECT_TRUE(NextAttemptMs(kMaxJobAttempts - 1, 0, 0.5));
  EXPECT_FALSE(NextAttemptMs(kMaxJobAttempts, 0, 0.5));
  EXPECT_FALSE(NextAttemptMs(kMaxJobAttempts + 3, 0, 0.5));
}

}  // namespace
}  // namespace unpackd
