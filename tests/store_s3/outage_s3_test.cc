// Outages against a real S3-compatible server (s3rver) behind tests/tools/fault_proxy.py: a
// blackout mid-run is ridden out by all members together, a permanent one ends when the
// retry time budget is spent, and writes whose replies were lost are accepted after HEAD.
#include <gtest/gtest.h>

#include <chrono>

#include "store/s3/s3_store.h"
#include "store/store_test_util.h"
#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/fault_proxy_fixture.h"
#include "support/file_object.h"
#include "support/job_runner.h"
#include "support/s3rver_fixture.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

using std::chrono::milliseconds;
using testing::FaultProxyFixture;
using testing::S3rverFixture;

constexpr char kArchive[] = "u/result.zip";

class OutageS3Test : public ::testing::Test {
 protected:
  OutageS3Test()
      : server_({"bkt"}), direct_(testing::TestS3Config(server_.endpoint()), executor_, budget_) {}

  // Zips `members` (stored, so the archive is as big as they are) into s3://bkt/u/result.zip.
  void UploadArchive(const testing::MemberMap& members) {
    const auto zip = dir_.path() / "result.zip";
    testing::MakeZipWithPython(zip, members, "ZIP_STORED");
    auto writer = direct_.NewWriter({"bkt", kArchive}, {});
    writer->Append(testing::ReadFileBytes(zip));
    writer->Commit();
  }

  // A store that reaches s3rver through `proxy`, patient for `budget`, with multipart from
  // 5 MiB, and only 3 attempts for a request failing on its own (as before, a count alone
  // would end any outage after a fraction of a second).
  std::unique_ptr<S3Store> ProxiedStore(const FaultProxyFixture& proxy, milliseconds budget) {
    S3Config config = testing::TestS3Config(proxy.endpoint());
    config.retry.time_budget = budget;
    config.retry.max_attempts = 3;
    config.retry.base_delay = milliseconds(50);
    config.retry.max_delay = milliseconds(500);
    config.part_size = 5 << 20;
    return std::make_unique<S3Store>(config, executor_, budget_);
  }

  // `count` members of `size` random bytes each: part/0.bin, part/1.bin, ...
  static testing::MemberMap Parts(int count, size_t size, uint32_t seed) {
    testing::MemberMap members;
    for (int i = 0; i < count; ++i) {
      members["part/" + std::to_string(i) + ".bin"] = testing::RandomBytes(size, seed + i);
    }
    return members;
  }

  // Every member's object holds exactly its bytes, and the manifest is there.
  void ExpectExtracted(const testing::MemberMap& members) {
    for (const auto& [name, content] : members) {
      EXPECT_TRUE(testing::Get(direct_, {"bkt", "u/result/" + name}) == content) << name;
    }
    EXPECT_NO_THROW(direct_.Stat({"bkt", "u/result/.unpackd/manifest.json"}));
  }

  static double SecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  testing::TempDir dir_;
  S3rverFixture server_;
  Executor executor_{ExecutorShape{8, 16}};
  MemoryBudget budget_{96 << 20};
  S3Store direct_;  // around the proxy: uploads the archive, checks the results
};

TEST_F(OutageS3Test, BlackoutMidRunIsRiddenOutAndEveryObjectIsRight) {
  testing::MemberMap members = Parts(48, 256 << 10, 200);
  members["big/multipart.bin"] = testing::RandomBytes(12 << 20, 7);  // 3 parts
  UploadArchive(members);
  // From the 40th request on, every connection is reset for 6 s.
  FaultProxyFixture proxy(server_.port(), {"--blackout-after", "40", "--blackout-seconds", "6"});
  auto store = ProxiedStore(proxy, milliseconds(30'000));
  testing::JobOptions options;
  options.jobs = 8;
  const auto start = std::chrono::steady_clock::now();
  const auto result = testing::RunJob(*store, {"bkt", kArchive}, *store, options);
  EXPECT_GE(SecondsSince(start), 6.0);  // the run went on after the blackout
  EXPECT_EQ(result.members_written, members.size());
  EXPECT_GT(proxy.CountLogLines({"\"fault\": \"blackout\""}), 0);
  // The requests caught by the blackout waited it out together: the reports say so.
  const RetryTotals retries = store->retry_totals();
  EXPECT_GT(retries.retries, 0u);
  EXPECT_GE(retries.waited_seconds, 5.0);
  ExpectExtracted(members);
}

TEST_F(OutageS3Test, PermanentOutageEndsWithTheBudgetNamingWhatFailedForHowLongAndTheEndpoint) {
  UploadArchive(Parts(24, 64 << 10, 300));
  FaultProxyFixture proxy(server_.port(), {"--blackout-after", "10", "--blackout-seconds", "inf"});
  auto store = ProxiedStore(proxy, milliseconds(2'000));
  testing::JobOptions options;
  options.jobs = 8;
  const auto start = std::chrono::steady_clock::now();
  try {
    testing::RunJob(*store, {"bkt", kArchive}, *store, options);
    FAIL() << "extraction survived a permanent outage";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kTransient) << m;
    EXPECT_NE(m.find("bkt/u/result.zip"), std::string::npos) << m;
    EXPECT_NE(m.find("s3://bkt/u/result"), std::string::npos) << m;  // the request that failed
    EXPECT_NE(m.find(proxy.endpoint() + " kept failing for 2."), std::string::npos) << m;
    EXPECT_NE(m.find("beyond the retry time budget of 2.0 s"), std::string::npos) << m;
  }
  EXPECT_LT(SecondsSince(start), 8.0);
  EXPECT_THROW(direct_.Stat({"bkt", "u/result/.unpackd/manifest.json"}), Error);
}

TEST_F(OutageS3Test, LostCompleteAndPutObjectRepliesAreAcceptedAfterHead) {
  const testing::MemberMap members = {{"big.bin", testing::RandomBytes(11 << 20, 8)},
                                      {"small.txt", "written, but the reply was lost"},
                                      {"other.txt", "unaffected"}};
  UploadArchive(members);
  // One CompleteMultipartUpload reply is lost; every reply to the PutObject of small.txt is.
  FaultProxyFixture proxy(server_.port(), {"--lose-reply", "1:^POST .*[?&]uploadId=",
                                           "--lose-reply", "0:^PUT /bkt/u/result/small\\.txt$"});
  auto store = ProxiedStore(proxy, milliseconds(1'000));
  const auto result = testing::RunJob(*store, {"bkt", kArchive}, *store, {});
  EXPECT_EQ(result.members_written, members.size());
  // The server did the work each time (200), and the client never saw the answer.
  EXPECT_EQ(proxy.CountLogLines({"\"method\": \"POST\"", "\"status\": \"lost-200\""}), 1);
  EXPECT_GE(proxy.CountLogLines({"\"method\": \"PUT\"", "\"status\": \"lost-200\""}), 1);
  ExpectExtracted(members);
}

}  // namespace
}  // namespace unpackd::s3
