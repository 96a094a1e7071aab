#include "store/s3/part_size_plan.h"

#include <gtest/gtest.h>

namespace unpackd::s3 {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

uint64_t CapacityOf10000Parts(const PartSizePlan& plan) {
  uint64_t total = 0;
  for (int n = 1; n <= kMaxParts; ++n) total += plan.PartSize(n);
  return total;
}

TEST(PartSizePlan, SmallHintsUseTheConfiguredSize) {
  PartSizePlan plan(16 * kMiB, 100 * kMiB);
  EXPECT_EQ(plan.PartSize(1), 16 * kMiB);
  EXPECT_EQ(plan.PartSize(7), 16 * kMiB);
}

TEST(PartSizePlan, ConfiguredSizeIsClampedToS3Limits) {
  EXPECT_EQ(PartSizePlan(1 * kMiB, std::nullopt).PartSize(1), kMinPartSize);
  EXPECT_EQ(PartSizePlan(10ull << 30, std::nullopt).PartSize(1), kMaxPartSize);
}

TEST(PartSizePlan, A5TiBHintFitsIn10000Parts) {
  PartSizePlan plan(16 * kMiB, kMaxObjectSize);
  EXPECT_GE(plan.PartSize(1) * kMaxParts, kMaxObjectSize);
  EXPECT_LE(plan.PartSize(1), kMaxPartSize);
  EXPECT_EQ(plan.PartSize(1) % kMiB, 0u);
}

TEST(PartSizePlan, WithoutHintPartsGrowSo5TiBStillFits) {
  PartSizePlan plan(5 * kMiB, std::nullopt);
  EXPECT_EQ(plan.PartSize(1), 5 * kMiB);
  EXPECT_EQ(plan.PartSize(500), 5 * kMiB);
  EXPECT_EQ(plan.PartSize(501), 10 * kMiB);
  EXPECT_GE(CapacityOf10000Parts(plan), kMaxObjectSize);
  for (int n = 1; n <= kMaxParts; ++n) ASSERT_LE(plan.PartSize(n), kMaxPartSize);
}

TEST(PartSizePlan, AnUnderestimatedHintStillFits) {
  PartSizePlan plan(8 * kMiB, 1 * kMiB);
  EXPECT_GE(CapacityOf10000Parts(plan), kMaxObjectSize);
}

}  // namespace
}  // namespace unpackd::s3
