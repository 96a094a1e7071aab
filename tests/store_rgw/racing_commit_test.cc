// Workers racing to extract one archive version (duplicate events delivered to different
// hosts) on radosgw, which honours `If-None-Match: *`: exactly one of them commits the
// manifest, the others report the version already complete, and every object is right.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "extract/manifest_reader.h"
#include "store/s3/s3_store.h"
#include "store/store_test_util.h"
#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/job_runner.h"
#include "support/radosgw_cluster.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

constexpr uint64_t kPart = 5 << 20;  // S3's smallest part

class RacingCommitTest : public ::testing::Test {
 protected:
  RacingCommitTest()
      : cluster_(testing::RadosgwCluster::Get()), bucket_(cluster_.UniqueBucket("racing")) {}

  s3::S3Config Config() const {
    s3::S3Config config =
        testing::TestS3Config(cluster_.endpoint, cluster_.access_key, cluster_.secret_key);
    config.part_size = kPart;
    return config;
  }

  testing::TempDir dir_;
  testing::RadosgwCluster cluster_;
  std::string bucket_;
  Executor executor_{ExecutorShape{4, 8}};
  MemoryBudget budget_{64 << 20};
};

TEST_F(RacingCommitTest, IfAbsentRefusesASecondCommitSingleAndMultipart) {
  s3::S3Store store(Config(), executor_, budget_);
  WriteOptions if_absent;
  if_absent.if_absent = true;
  for (const size_t size : {size_t{100}, size_t{11} << 20}) {  // one PUT; three parts
    const std::string key = "commit/" + std::to_string(size);
    const std::string first = testing::RandomBytes(size, 1), second = testing::RandomBytes(size, 2);
    testing::Put(store, {bucket_, key}, first, if_absent);
    try {
      testing::Put(store, {bucket_, key}, second, if_absent);
      ADD_FAILURE() << "a second if_absent commit of " << size << " bytes replaced the object";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kPrecondition) << e.what();
      EXPECT_EQ(e.code(), "object-exists") << e.what();
    }
    EXPECT_TRUE(testing::Get(store, {bucket_, key}) == first) << size;
  }
}

// Two runs recording the same outcome write the same bytes: the second must still learn that
// the object is another writer's, not take it for its own earlier attempt whose reply was lost.
TEST_F(RacingCommitTest, IfAbsentRefusesASecondWriterOfTheSameBytes) {
  s3::S3Store store(Config(), executor_, budget_);
  WriteOptions if_absent;
  if_absent.if_absent = true;
  for (const size_t size : {size_t{100}, size_t{11} << 20}) {  // one PUT; three parts
    const std::string key = "same/" + std::to_string(size);
    const std::string bytes = testing::RandomBytes(size, 3);
    testing::Put(store, {bucket_, key}, bytes, if_absent);
    try {
      testing::Put(store, {bucket_, key}, bytes, if_absent);
      ADD_FAILURE() << "a second writer of the same " << size << " bytes believed it won";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "object-exists") << e.what();
    }
  }
}

TEST_F(RacingCommitTest, OfRunsRacingForOneVersionExactlyOneCommitsTheManifest) {
  testing::MemberMap members;
  for (int i = 0; i < 40; ++i) {
    members["m/" + std::to_string(i) + ".txt"] = testing::RandomBytes(2000 + i, 10 + i);
  }
  const auto zip = dir_.path() / "result.zip";
  testing::MakeZipWithPython(zip, members);
  cluster_.Boto3(bucket_, "u/result.zip", "upload " + testing::ShellQuote(zip.string()));

  // Four workers started together: each finds no manifest, extracts, and tries to commit.
  constexpr int kWorkers = 4;
  std::atomic<int> extracted{0}, already_complete{0}, failed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      try {
        s3::S3Store store(Config(), executor_, budget_);
        const ExtractResult result = testing::RunJob(store, {bucket_, "u/result.zip"}, store);
        ++(result.already_complete ? already_complete : extracted);
      } catch (const Error& e) {
        ADD_FAILURE() << e.what();
        ++failed;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(extracted.load(), 1);
  EXPECT_EQ(already_complete.load(), kWorkers - 1);
  EXPECT_EQ(failed.load(), 0);

  s3::S3Store store(Config(), executor_, budget_);
  const std::optional<ManifestSummary> manifest =
      ReadManifestSummary(store, {bucket_, "u/result/.unpackd/manifest.json"});
  ASSERT_TRUE(manifest.has_value());
  EXPECT_EQ(manifest->member_count, members.size());
  for (const auto& [name, content] : members) {
    EXPECT_TRUE(testing::Get(store, {bucket_, "u/result/" + name}) == content) << name;
  }
}

}  // namespace
}  // namespace unpackd
