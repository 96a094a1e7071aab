// The pause between deliveries: from 1 s doubling to 10 minutes, half of it jittered, and a
// receiver's longer Retry-After wins.
#include "notify/delivery_backoff.h"

#include <gtest/gtest.h>

namespace unpackd::notify {
namespace {

using std::chrono::milliseconds;

TEST(DeliveryBackoffTest, DoublesFromOneSecondWithEqualJitter) {
  EXPECT_EQ(NextDeliveryDelay(1, 0.0), milliseconds(500));
  EXPECT_EQ(NextDeliveryDelay(1, 1.0), milliseconds(1000));
  EXPECT_EQ(NextDeliveryDelay(2, 1.0), milliseconds(2000));
  EXPECT_EQ(NextDeliveryDelay(4, 0.0), milliseconds(4000));
  EXPECT_EQ(NextDeliveryDelay(4, 0.5), milliseconds(6000));
}

TEST(DeliveryBackoffTest, CapsAtTenMinutesForAnyAttemptCount) {
  EXPECT_EQ(NextDeliveryDelay(11, 1.0), milliseconds(600'000));
  EXPECT_EQ(NextDeliveryDelay(1000, 1.0), milliseconds(600'000));
  EXPECT_EQ(NextDeliveryDelay(1'000'000, 0.0), milliseconds(300'000));
}

TEST(DeliveryBackoffTest, OutOfRangeInputsAreClamped) {
  EXPECT_EQ(NextDeliveryDelay(0, 1.0), milliseconds(1000));
  EXPECT_EQ(NextDeliveryDelay(-3, 1.0), milliseconds(1000));
  EXPECT_EQ(NextDeliveryDelay(1, 7.0), milliseconds(1000));
  EXPECT_EQ(NextDeliveryDelay(1, -1.0), milliseconds(500));
}

TEST(DeliveryBackoffTest, RetryAfterWinsOnlyWhenLonger) {
  EXPECT_EQ(DelayBeforeRetry(1, 1.0, milliseconds(30'000)), milliseconds(30'000));
  EXPECT_EQ(DelayBeforeRetry(5, 1.0, milliseconds(100)), milliseconds(16'000));
  EXPECT_EQ(DelayBeforeRetry(5, 1.0, std::nullopt), milliseconds(16'000));
}

}  // namespace
}  // namespace unpackd::notify
