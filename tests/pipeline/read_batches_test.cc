#include "pipeline/read_batches.h"

#include <gtest/gtest.h>

namespace unpackd {
namespace {

// 100 small members laid out back to back, and one big one after them.
struct Layout {
  std::vector<ZipEntry> entries;
  ExtractionPlan plan;
  uint64_t cd_offset = 0;
};

Layout MakeLayout() {
  Layout l;
  uint64_t offset = 0;
  for (uint32_t i = 0; i < 101; ++i) {
    ZipEntry e;
    e.index = i;
    e.raw_name = "f" + std::to_string(i);
    e.compressed_size = i == 100 ? (10 << 20) : 1000;
    e.local_header_offset = offset;
    offset += 30 + e.raw_name.size() + e.compressed_size;
    l.entries.push_back(e);
    l.plan.members.push_back(PlannedMember{i, e.raw_name, e.raw_name, ""});
  }
  l.cd_offset = offset;
  return l;
}

TEST(ReadBatchesTest, SmallNeighboursShareOneRangeBigMembersStreamAlone) {
  const Layout l = MakeLayout();
  const auto batches = MakeReadBatches(l.plan, l.entries, l.cd_offset, {});
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].members.size(), 1u);  // the big one, on its own
  EXPECT_EQ(batches[0].range_size, 0u);
  EXPECT_EQ(batches[1].members.size(), 100u);
  EXPECT_EQ(batches[1].range_begin, 0u);
  EXPECT_GE(batches[1].range_size, l.entries[99].local_header_offset + 1000);
}

TEST(ReadBatchesTest, MemberCapSplitsRunsSoEveryWorkerHasWork) {
  const Layout l = MakeLayout();
  BatchingOptions options;
  options.max_batch_members = 10;
  const auto batches = MakeReadBatches(l.plan, l.entries, l.cd_offset, options);
  ASSERT_EQ(batches.size(), 11u);
  size_t covered = 0;
  for (const auto& b : batches) {
    EXPECT_LE(b.members.size(), 10u);
    covered += b.members.size();
  }
  EXPECT_EQ(covered, 101u);
}

TEST(ReadBatchesTest, ByteCapAndGapsCloseARun) {
  const Layout l = MakeLayout();
  BatchingOptions options;
  options.max_batch_bytes = 20'000;
  const auto small = MakeReadBatches(l.plan, l.entries, l.cd_offset, options);
  for (const auto& b : small) EXPECT_LE(b.range_size, 20'000u);
  EXPECT_GT(small.size(), 5u);
}

}  // namespace
}  // namespace unpackd
