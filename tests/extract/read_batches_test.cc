#include "extract/read_batches.h"

#include <gtest/gtest.h>

namespace unpackd {
namespace {

constexpr uint64_t kHeaderBytes = 40;

// An archive format reduced to what batching needs: entries at offsets, each occupying a
// header and its stored bytes. Batching sees nothing else of a format.
class LayoutReader final : public ArchiveReader {
 public:
  const ArchiveInfo& info() const override { return info_; }
  const std::vector<ArchiveEntry>& entries() const override { return entries_; }
  std::vector<Finding> StructuralFindings() const override { return {}; }
  ByteRange ReadHint(const ArchiveEntry& e) const override {
    return {offsets_[e.index], offsets_[e.index] + kHeaderBytes + e.stored_size};
  }
  std::unique_ptr<MemberReader> OpenMember(const ArchiveEntry&,
                                           const MemberAccess&) const override {
    return nullptr;
  }
  void CheckMember(const ArchiveEntry&) const override {}

  void Add(uint64_t stored_size) {
    ArchiveEntry e;
    e.index = static_cast<uint32_t>(entries_.size());
    e.name = names_.Add("f" + std::to_string(e.index));  // entries view their reader's names
    e.stored_size = stored_size;
    offsets_.push_back(end_);
    end_ += kHeaderBytes + stored_size;
    entries_.push_back(e);
  }
  uint64_t offset(size_t i) const { return offsets_[i]; }

 private:
  ArchiveInfo info_;
  StringArena names_;
  std::vector<ArchiveEntry> entries_;
  std::vector<uint64_t> offsets_;
  uint64_t end_ = 0;
};

// 100 small members laid out back to back, and one big one after them.
struct Layout {
  LayoutReader archive;
  ExtractionPlan plan;
};

Layout MakeLayout() {
  Layout l;
  for (uint32_t i = 0; i < 101; ++i) {
    l.archive.Add(i == 100 ? (10 << 20) : 1000);
    const std::string_view name = l.archive.entries().back().name;
    l.plan.members.push_back(PlannedMember{i, name, nullptr});
  }
  return l;
}

TEST(ReadBatchesTest, SmallNeighboursShareOneRangeBigMembersStreamAlone) {
  const Layout l = MakeLayout();
  const auto batches = MakeReadBatches(l.plan, l.archive, {});
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].members.size(), 1u);  // the big one, on its own
  EXPECT_EQ(batches[0].range_size, 0u);
  EXPECT_EQ(batches[1].members.size(), 100u);
  EXPECT_EQ(batches[1].range_begin, 0u);
  EXPECT_GE(batches[1].range_size, l.archive.offset(99) + 1000);
}

TEST(ReadBatchesTest, MemberCapSplitsRunsSoEveryWorkerHasWork) {
  const Layout l = MakeLayout();
  BatchingOptions options;
  options.max_batch_members = 10;
  const auto batches = MakeReadBatches(l.plan, l.archive, options);
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
  const auto small = MakeReadBatches(l.plan, l.archive, options);
  for (const auto& b : small) EXPECT_LE(b.range_size, 20'000u);
  EXPECT_GT(small.size(), 5u);
}

// Issue 14: a plan holds one PlannedMember per member; it owns no string (its path views the
// entry's name, its key is built when written), so a million members cost 32 MiB.
TEST(ReadBatchesTest, PlannedMembersStaySmall) {
  static_assert(sizeof(PlannedMember) <= 24, "PlannedMember grew: see issue 14's budget");
  const Layout l = MakeLayout();
  EXPECT_EQ(l.plan.bytes(), l.plan.members.capacity() * sizeof(PlannedMember));
  EXPECT_EQ(l.plan.KeyOf(l.plan.members[3]), "f3");
}

}  // namespace
}  // namespace unpackd
