// Fan-out of one archive: shards balanced by bytes, every worker agreeing on them, and the
// store as the barrier: each shard records itself, the last one writes the one manifest.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "extract/shard_plan.h"
#include "extract/shard_record.h"
#include "store/local/local_store.h"
#include "support/archive_maker.h"
#include "support/job_runner.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

using testing::MemberMap;

// A plan over entries of the given sizes, each member i at entry i.
struct SizedPlan {
  std::vector<ArchiveEntry> entries;
  ExtractionPlan plan;
};

SizedPlan PlanOfSizes(const std::vector<uint64_t>& sizes) {
  SizedPlan sized;
  for (size_t i = 0; i < sizes.size(); ++i) {
    ArchiveEntry entry;
    entry.index = static_cast<uint32_t>(i);
    entry.size = sizes[i];
    sized.entries.push_back(entry);
    PlannedMember member;
    member.entry_index = static_cast<uint32_t>(i);
    sized.plan.members.push_back(member);
    sized.plan.total_bytes += sizes[i];
  }
  return sized;
}

// Checks that the shards cover every member once, in order.
void ExpectCover(const std::vector<ShardRange>& shards, size_t members) {
  uint32_t next = 0;
  for (const ShardRange& s : shards) {
    EXPECT_EQ(s.begin, next);
    EXPECT_GE(s.end, s.begin);
    next = s.end;
  }
  EXPECT_EQ(next, members);
}

TEST(ShardPlanTest, EqualMembersSplitEvenly) {
  const SizedPlan sized = PlanOfSizes(std::vector<uint64_t>(1000, 1 << 20));
  const auto shards = SplitIntoShards(sized.plan, sized.entries, 4);
  ASSERT_EQ(shards.size(), 4u);
  ExpectCover(shards, 1000);
  for (const ShardRange& s : shards) EXPECT_EQ(s.end - s.begin, 250u);
}

TEST(ShardPlanTest, OneHugeMemberIsOneShardAndTheOthersShareTheRest) {
  std::vector<uint64_t> sizes(301, 1 << 20);
  sizes[0] = uint64_t{8} << 30;  // 8 GiB first, then 300 MiB in 300 members
  const SizedPlan sized = PlanOfSizes(sizes);
  const auto shards = SplitIntoShards(sized.plan, sized.entries, 4);
  ExpectCover(shards, 301);
  EXPECT_EQ(shards[0].begin, 0u);
  EXPECT_EQ(shards[0].end, 1u) << "the huge member alone";
  for (int s = 1; s < 4; ++s) {
    EXPECT_NEAR(shards[s].end - shards[s].begin, 100, 2) << s;
  }
}

TEST(ShardPlanTest, FewerMembersThanShardsLeavesTheLastShardsEmpty) {
  const SizedPlan sized = PlanOfSizes({10, 20, 30});
  const auto shards = SplitIntoShards(sized.plan, sized.entries, 5);
  ExpectCover(shards, 3);
  EXPECT_EQ(shards[3].end - shards[3].begin, 0u);
  EXPECT_EQ(shards[4].end - shards[4].begin, 0u);
}

TEST(ShardPlanTest, ShardCountFollowsTheThresholds) {
  const SizedPlan sized = PlanOfSizes(std::vector<uint64_t>(1000, 1 << 20));  // 1000 MiB
  EXPECT_EQ(ShardCountFor(sized.plan, {}), 1u);
  EXPECT_EQ(ShardCountFor(sized.plan, {uint64_t{256} << 20, 0}), 4u);
  EXPECT_EQ(ShardCountFor(sized.plan, {0, 100}), 10u);
  EXPECT_EQ(ShardCountFor(sized.plan, {uint64_t{256} << 20, 100}), 10u);
}

TEST(ShardPlanTest, ShardSpecsParseStrictly) {
  EXPECT_EQ(ParseShardSpec("0/4"), (ShardSpec{0, 4}));
  EXPECT_EQ(ParseShardSpec("3/4").ToString(), "3/4");
  for (const char* bad : {"4/4", "1", "/4", "1/", "-1/4", "1/0", "a/b", "1/4x", "0/10001"}) {
    EXPECT_THROW(ParseShardSpec(bad), Error) << bad;
  }
}

TEST(ShardRecordTest, RoundTripsAndRejectsWhatIsNotOne) {
  ShardRecord record;
  record.archive_etag = "abc-2";
  record.shard = {2, 5};
  record.range = {10, 20, 12345};
  record.written = 7;
  record.reused_runs = {{10, 12}, {15, 16}};
  record.failed = {{13, "CRC mismatch"}};
  record.server_copied = {{14, true}};
  const auto back = ShardRecord::FromJson(record.ToJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->archive_etag, "abc-2");
  EXPECT_EQ(back->shard, (ShardSpec{2, 5}));
  EXPECT_EQ(back->range.end, 20u);
  EXPECT_EQ(back->reused_runs, record.reused_runs);
  EXPECT_EQ(back->failed, record.failed);
  EXPECT_EQ(back->server_copied, record.server_copied);
  EXPECT_FALSE(ShardRecord::FromJson("{}"));
  EXPECT_FALSE(ShardRecord::FromJson("not json"));
  nlohmann::json wrong = nlohmann::json::parse(record.ToJson());
  wrong["shard"] = 5;  // not below the count
  EXPECT_FALSE(ShardRecord::FromJson(wrong.dump()));
}

class ShardedJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateBucket(dir_.path(), "bkt");
    store_ = MakeLocalStore(dir_.path());
    for (int i = 0; i < 40; ++i) {
      members_["part-" + std::to_string(i) + ".txt"] = testing::TextBytes(1000 + i * 997, i);
    }
    members_["big.bin"] = testing::RandomBytes(3 << 20, 99);
    std::filesystem::create_directories(dir_.path() / "bkt" / "u");
    testing::MakeZipWithPython(dir_.path() / "bkt" / "u" / "r.zip", members_);
  }

  ExtractResult RunShard(uint32_t index, uint32_t count) {
    testing::JobOptions options;
    options.shard = ShardSpec{index, count};
    return testing::RunJob(*store_, {"bkt", "u/r.zip"}, *store_, options);
  }

  bool ManifestExists() {
    try {
      store_->Stat({"bkt", "u/r/.unpackd/manifest.json"});
      return true;
    } catch (const Error& e) {
      return false;
    }
  }

  std::string ReadObject(const std::string& key) {
    auto object = store_->OpenForRead({"bkt", key});
    std::string out(object->info().size, '\0');
    object->ReadAt(0, std::as_writable_bytes(std::span(out)));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
  MemberMap members_;
};

TEST_F(ShardedJobTest, TheLastShardToFinishWritesTheOneManifest) {
  uint64_t written = 0;
  for (uint32_t i : {2u, 0u, 3u}) {
    const ExtractResult r = RunShard(i, 4);
    ASSERT_TRUE(r.shard);
    EXPECT_FALSE(r.shard->committed) << i;
    EXPECT_FALSE(r.EndsTheJob());
    EXPECT_FALSE(ManifestExists()) << "no manifest before every shard is done";
    written += r.members_written;
  }
  const ExtractResult last = RunShard(1, 4);
  ASSERT_TRUE(last.shard);
  EXPECT_TRUE(last.shard->committed);
  EXPECT_TRUE(last.EndsTheJob());
  EXPECT_EQ(last.shard->records_seen, 4u);
  written += last.members_written;
  EXPECT_EQ(written, members_.size()) << "each member written by exactly one shard";
  EXPECT_EQ(last.manifest.member_count, members_.size());
  ASSERT_TRUE(ManifestExists());
  const auto manifest = nlohmann::json::parse(ReadObject("u/r/.unpackd/manifest.json"));
  EXPECT_EQ(manifest["members"].size(), members_.size());
  for (const auto& [name, bytes] : members_) EXPECT_EQ(ReadObject("u/r/" + name), bytes) << name;

  // A duplicate of any shard afterwards finds the archive done and announces nothing.
  const ExtractResult again = RunShard(2, 4);
  EXPECT_TRUE(again.already_complete);
  EXPECT_EQ(again.members_written, 0u);
}

TEST_F(ShardedJobTest, AWholeRunAboveTheFanOutBoundsWritesNothingAndNamesTheShardCount) {
  testing::JobOptions options;
  options.fan_out = ShardThresholds{0, 15};  // 41 members
  const ExtractResult fanned = testing::RunJob(*store_, {"bkt", "u/r.zip"}, *store_, options);
  EXPECT_EQ(fanned.fan_out, 3u);
  EXPECT_FALSE(fanned.EndsTheJob());
  EXPECT_EQ(fanned.members_written, 0u);
  EXPECT_FALSE(ManifestExists());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "bkt" / "u" / "r")) << "nothing written";

  // Within the bounds, the same options extract the archive whole.
  options.fan_out = ShardThresholds{0, 41};
  const ExtractResult whole = testing::RunJob(*store_, {"bkt", "u/r.zip"}, *store_, options);
  EXPECT_EQ(whole.fan_out, 0u);
  EXPECT_TRUE(whole.EndsTheJob());
  EXPECT_EQ(whole.members_written, members_.size());
  EXPECT_TRUE(ManifestExists());
}

TEST_F(ShardedJobTest, AShardRunAgainAfterItsRecordDoesNotWriteAgain) {
  const ExtractResult first = RunShard(0, 2);
  EXPECT_GT(first.members_written, 0u);
  const ExtractResult again = RunShard(0, 2);
  ASSERT_TRUE(again.shard);
  EXPECT_TRUE(again.shard->recorded_before);
  EXPECT_EQ(again.members_written, 0u);
  EXPECT_FALSE(again.shard->committed);
  EXPECT_TRUE(RunShard(1, 2).shard->committed);
}

TEST_F(ShardedJobTest, ShardsRacingOnThreadsCommitExactlyOnce) {
  constexpr uint32_t kShards = 6;
  std::vector<std::optional<ExtractResult>> results(kShards * 2);
  std::vector<std::thread> threads;
  // Every shard twice at once: duplicate deliveries of each.
  for (uint32_t i = 0; i < kShards * 2; ++i) {
    threads.emplace_back([&, i] { results[i] = RunShard(i % kShards, kShards); });
  }
  for (auto& t : threads) t.join();
  int committed = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r);
    committed += r->shard && r->shard->committed ? 1 : 0;
  }
  EXPECT_EQ(committed, 1);
  ASSERT_TRUE(ManifestExists());
  for (const auto& [name, bytes] : members_) EXPECT_EQ(ReadObject("u/r/" + name), bytes) << name;
}

}  // namespace
}  // namespace unpackd
