// `unpackd extract s3://...` end to end: the archive lives in s3rver, every member is written
// back to it, and boto3 reads the results.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "cloud/aws/hashing.h"
#include "store/s3/s3_store.h"
#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/fault_proxy_fixture.h"
#include "support/file_object.h"
#include "support/s3rver_fixture.h"
#include "support/temp_dir.h"

namespace unpackd::s3 {
namespace {

using testing::S3rverFixture;
using testing::ShellQuote;

class CliS3Test : public ::testing::Test {
 protected:
  CliS3Test() : server_({"bkt"}) {}

  void Upload(const std::string& key, const std::filesystem::path& file) {
    Executor executor({1, 1});
    MemoryBudget budget(64 << 20);
    S3Store store(testing::TestS3Config(server_.endpoint()), executor, budget);
    auto writer = store.NewWriter({"bkt", key}, {});
    auto bytes = testing::ReadFileBytes(file);
    writer->Append(bytes);
    writer->Commit();
  }

  int Unpackd(const std::string& args, const std::string& key_id = "S3RVER",
              const std::string& endpoint = "") {
    const auto out = dir_.path() / "stdout", err = dir_.path() / "stderr";
    const std::string cmd =
        "HOME=" + ShellQuote(dir_.path().string()) + " AWS_ACCESS_KEY_ID=" + key_id +
        " AWS_SECRET_ACCESS_KEY=S3RVER AWS_EC2_METADATA_DISABLED=true " +
        std::string(UNPACKD_BIN_PATH) + " --endpoint " +
        (endpoint.empty() ? server_.endpoint() : endpoint) + " --region us-east-1 --no-progress " +
        args + " >" + ShellQuote(out.string()) + " 2>" + ShellQuote(err.string()) + " </dev/null";
    int code = testing::RunCommand(cmd);
    out_ = testing::ReadFileString(out);
    err_ = testing::ReadFileString(err);
    return code;
  }

  nlohmann::json Boto3(const std::string& key, const std::string& command) {
    return nlohmann::json::parse(testing::RunBoto3(server_.endpoint(), "bkt", key, command));
  }

  testing::TempDir dir_;
  S3rverFixture server_;
  std::string out_, err_;
};

TEST_F(CliS3Test, ExtractsAnArchiveFromS3BackIntoS3) {
  const std::string big = testing::RandomBytes(6 << 20, 5);
  const auto zip = dir_.path() / "result.zip";
  testing::MakeZipWithPython(
      zip, {{"a.txt", "안녕하세요"}, {"폴더/데이터 1.json", "{\"k\": 1}"}, {"big.bin", big}});
  Upload("user-1/project-1/result.zip", zip);

  ASSERT_EQ(Unpackd("extract s3://bkt/user-1/project-1/result.zip"), 0) << err_ << out_;
  nlohmann::json a = Boto3("user-1/project-1/result/a.txt", "head");
  EXPECT_EQ(a["size"], 15);
  EXPECT_EQ(a["content_type"], "text/plain; charset=utf-8");
  EXPECT_EQ(Boto3("user-1/project-1/result/a.txt", "sha256")["sha256"],
            aws::Sha256Hex(std::string_view("안녕하세요")));
  EXPECT_EQ(Boto3("user-1/project-1/result/폴더/데이터 1.json", "head")["content_type"],
            "application/json");
  EXPECT_EQ(Boto3("user-1/project-1/result/big.bin", "sha256")["sha256"],
            aws::Sha256Hex(std::string_view(big)));
}

TEST_F(CliS3Test, WrongCredentialsExitWithAccessDenied) {
  const auto zip = dir_.path() / "r.zip";
  testing::MakeZipWithPython(zip, {{"a.txt", "x"}});
  Upload("r.zip", zip);
  EXPECT_EQ(Unpackd("extract s3://bkt/r.zip", "AKIAWRONG"), 5) << err_;
  EXPECT_NE(err_.find("AKIAWRONG"), std::string::npos) << err_;
  EXPECT_EQ(err_.find("S3RVER"), std::string::npos) << "the secret must never be printed: " << err_;
}

TEST_F(CliS3Test, RetryTimeBoundsAnOutage) {
  const auto zip = dir_.path() / "r.zip";
  testing::MakeZipWithPython(zip, {{"a.txt", "x"}});
  Upload("r.zip", zip);
  testing::FaultProxyFixture down(server_.port(),
                                  {"--blackout-after", "0", "--blackout-seconds", "inf"});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Unpackd("extract s3://bkt/r.zip --retry-time 1", "S3RVER", down.endpoint()), 4) << err_;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_NE(err_.find("HeadObject s3://bkt/r.zip failed: " + down.endpoint() + " kept failing for"),
            std::string::npos)
      << err_;
  EXPECT_NE(err_.find("retry time budget of 1.0 s"), std::string::npos) << err_;
  EXPECT_EQ(Unpackd("extract s3://bkt/r.zip --retry-time soon"), 2) << err_;
  EXPECT_NE(err_.find("--retry-time='soon' is not a retry time"), std::string::npos) << err_;
}

TEST_F(CliS3Test, RetriesAndTheirWaitAreReported) {
  const auto zip = dir_.path() / "r.zip";
  testing::MakeZipWithPython(zip, {{"a.txt", "x"}, {"b.txt", "y"}});
  Upload("r.zip", zip);
  ASSERT_EQ(Unpackd("extract s3://bkt/r.zip"), 0) << err_;
  EXPECT_NE(out_.find(" s; no retries\n"), std::string::npos) << out_;

  // The first few requests find the endpoint down for a second.
  testing::FaultProxyFixture flaky(server_.port(),
                                   {"--blackout-after", "0", "--blackout-seconds", "1"});
  ASSERT_EQ(
      Unpackd("extract s3://bkt/r.zip --json --to s3://bkt/again/", "S3RVER", flaky.endpoint()), 0)
      << err_;
  const nlohmann::json report = nlohmann::json::parse(out_);
  EXPECT_GE(report["retries"].get<int>(), 1) << out_;
  EXPECT_GT(report["retry_wait_seconds"].get<double>(), 0.0) << out_;

  testing::FaultProxyFixture again(server_.port(),
                                   {"--blackout-after", "0", "--blackout-seconds", "1"});
  ASSERT_EQ(Unpackd("extract s3://bkt/r.zip --to s3://bkt/third/", "S3RVER", again.endpoint()), 0)
      << err_;
  EXPECT_NE(out_.find(" s waiting\n"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("no retries"), std::string::npos) << out_;
}

// A server that throttles above 8 requests at once (503 SlowDown, as S3 does above a
// prefix's request rate): the run starts wide, is throttled, halves the requests in flight
// until the server keeps up, and every member still arrives whole.
TEST_F(CliS3Test, ThrottlingCutsTheRequestsInFlightAndEveryMemberArrives) {
  testing::MemberMap members;
  for (int i = 0; i < 300; ++i) {
    members["small/" + std::to_string(i) + ".txt"] = testing::TextBytes(200 + i * 7, i);
  }
  const auto zip = dir_.path() / "many.zip";
  testing::MakeZipWithPython(zip, members);
  Upload("many.zip", zip);
  testing::FaultProxyFixture throttling(server_.port(),
                                        {"--delay-ms", "20", "--max-in-flight", "8"});
  ASSERT_EQ(Unpackd("extract s3://bkt/many.zip --json", "S3RVER", throttling.endpoint()), 0)
      << err_;
  const nlohmann::json report = nlohmann::json::parse(out_);
  EXPECT_EQ(report["members_written"], 300) << out_;
  EXPECT_GT(report["throttled"].get<int>(), 0) << out_;
  const int start = report["concurrency_start"].get<int>();
  EXPECT_GE(start, 64) << out_;
  EXPECT_LT(report["concurrency_min"].get<int>(), start) << out_;
  EXPECT_LE(report["concurrency_min"].get<int>(), 8) << out_;
  EXPECT_GE(report["concurrency_min"].get<int>(), 1) << out_;
  EXPECT_LE(report["concurrency_final"].get<int>(), start) << out_;
  // The proxy really refused requests for their number, not for some other fault.
  EXPECT_GT(throttling.CountLogLines({"\"fault\": \"throttle\""}), 0);

  Executor executor({1, 1});
  MemoryBudget budget(64 << 20);
  S3Store store(testing::TestS3Config(server_.endpoint()), executor, budget);
  for (const auto& [name, bytes] : members) {
    EXPECT_EQ(testing::ReadWholeObject(store, {"bkt", "many/" + name}), bytes) << name;
  }

  // --adaptive=off keeps the full width: nothing is cut, and the report says so.
  testing::FaultProxyFixture plain(server_.port(), {});
  ASSERT_EQ(Unpackd("extract s3://bkt/many.zip --json --adaptive off --to s3://bkt/off/", "S3RVER",
                    plain.endpoint()),
            0)
      << err_;
  const nlohmann::json off = nlohmann::json::parse(out_);
  EXPECT_EQ(off["concurrency_start"], 0) << out_;
  EXPECT_EQ(off["concurrency_min"], 0) << out_;
  EXPECT_EQ(off["throttled"], 0) << out_;
}

// A server that serves 4 requests at once, 100 ms each, and queues the rest, refusing none:
// only the wait for each answer grows with what is sent, to seconds at the full width. The
// run sees it drown in the first-byte waits of its small PUTs, cuts the requests in flight for
// it (never throttled), and every member arrives whole.
TEST_F(CliS3Test, AServerThatQueuesGetsFewerRequestsAtOnceWithoutThrottling) {
  testing::MemberMap members;
  for (int i = 0; i < 150; ++i) {
    members["q/" + std::to_string(i) + ".txt"] = testing::TextBytes(300 + i * 5, i);
  }
  const auto zip = dir_.path() / "queued.zip";
  testing::MakeZipWithPython(zip, members);
  Upload("queued.zip", zip);
  testing::FaultProxyFixture queueing(server_.port(),
                                      {"--delay-ms", "100", "--serve-at-once", "4"});
  ASSERT_EQ(Unpackd("extract s3://bkt/queued.zip --json", "S3RVER", queueing.endpoint()), 0)
      << err_;
  const nlohmann::json report = nlohmann::json::parse(out_);
  EXPECT_EQ(report["members_written"], 150) << out_;
  EXPECT_EQ(report["throttled"], 0) << out_;
  EXPECT_GE(report["concurrency_latency_cuts"].get<int>(), 1) << out_;
  EXPECT_LT(report["concurrency_min"].get<int>(), report["concurrency_start"].get<int>()) << out_;
  EXPECT_GE(report["concurrency_min"].get<int>(), 8) << "latency alone stops at 8: " << out_;

  Executor executor({1, 1});
  MemoryBudget budget(64 << 20);
  S3Store store(testing::TestS3Config(server_.endpoint()), executor, budget);
  for (const auto& [name, bytes] : members) {
    EXPECT_EQ(testing::ReadWholeObject(store, {"bkt", "queued/" + name}), bytes) << name;
  }
}

// One archive fanned out over three runs, as three workers would: each extracts its shard
// and records it; the last writes the one manifest; its members are all there, byte-exact.
TEST_F(CliS3Test, ShardsOfOneArchiveEndInOneManifest) {
  testing::MemberMap members;
  for (int i = 0; i < 30; ++i) {
    members["s/" + std::to_string(i) + ".txt"] = testing::TextBytes(5000 + i * 301, i);
  }
  const auto zip = dir_.path() / "sharded.zip";
  testing::MakeZipWithPython(zip, members);
  Upload("sharded.zip", zip);
  std::vector<std::string> statuses;
  for (const char* shard : {"2/3", "0/3", "1/3"}) {
    ASSERT_EQ(Unpackd(std::string("extract s3://bkt/sharded.zip --json --shard ") + shard), 0)
        << err_;
    const nlohmann::json report = nlohmann::json::parse(out_);
    statuses.push_back(report["status"].get<std::string>());
    EXPECT_EQ(report["shard"]["committed"], statuses.back() == "extracted") << out_;
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"shard-done", "shard-done", "extracted"}));
  Executor executor({1, 1});
  MemoryBudget budget(64 << 20);
  S3Store store(testing::TestS3Config(server_.endpoint()), executor, budget);
  for (const auto& [name, bytes] : members) {
    EXPECT_EQ(testing::ReadWholeObject(store, {"bkt", "sharded/" + name}), bytes) << name;
  }
  EXPECT_EQ(Unpackd("extract s3://bkt/sharded.zip --shard 3/3"), 2) << "a shard beyond the count";
  EXPECT_NE(err_.find("0 <= I < N"), std::string::npos) << err_;
}

TEST_F(CliS3Test, MissingArchiveIsAStoreError) {
  EXPECT_EQ(Unpackd("extract s3://bkt/nope.zip"), 4) << err_;
  EXPECT_NE(err_.find("nope.zip"), std::string::npos) << err_;
}

}  // namespace
}  // namespace unpackd::s3
