// radosgw pushing its real bucket notifications to `unpackd serve`: a topic with an HTTP push
// endpoint (serve's /events, authenticated by the token in the URL, since radosgw cannot set
// headers) and a bucket notification for ObjectCreated, exactly as an operator sets them up
// (docs/serve.md). The records are radosgw's own (eventVersion 2.2, raw UTF-8 keys), for a
// single PUT and for a multipart upload; serve's own output lands in the same bucket and
// produces events too, which must start no job.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/radosgw_cluster.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::seconds;

constexpr const char* kToken = "radosgw-push-token";

class ServeRadosgwPushTest : public ::testing::Test {
 protected:
  ServeRadosgwPushTest()
      : cluster_(testing::RadosgwCluster::Get()), bucket_(cluster_.UniqueBucket("push")) {
    config_ = dir_.path() / "unpackd.toml";
    std::ofstream(config_) << R"(workers = 2
memory = "256MiB"

[sources.http]
bearer_token = ")" << kToken
                           << R"("

[[rules]]
name = "results"
buckets = [")" << bucket_ << R"("]
prefixes = ["user-"]
)";
  }

  std::unique_ptr<testing::ServeProcess> StartServe() {
    return std::make_unique<testing::ServeProcess>(
        dir_.path() / "store", dir_.path() / "state",
        std::vector<std::string>{"--config", config_.string()},
        std::vector<std::string>{
            "HOME=" + dir_.path().string(), "AWS_ACCESS_KEY_ID=" + cluster_.access_key,
            "AWS_SECRET_ACCESS_KEY=" + cluster_.secret_key, "AWS_REGION=us-east-1",
            "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_S3=" + cluster_.endpoint});
  }

  std::vector<std::string> List(const std::string& prefix) {
    return nlohmann::json::parse(cluster_.Boto3(bucket_, prefix, "list"))
        .get<std::vector<std::string>>();
  }

  bool Exists(const std::string& key) {
    const auto keys = List(key);
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  }

  testing::TempDir dir_;
  testing::RadosgwCluster cluster_;
  std::string bucket_;
  std::filesystem::path config_;
};

TEST_F(ServeRadosgwPushTest, RealNotificationsBecomeOneExtractionEachAndOwnOutputIsIgnored) {
  auto serve = StartServe();
  const std::string push_url =
      "http://127.0.0.1:" + std::to_string(serve->port()) + "/events?token=" + kToken;
  cluster_.Boto3(bucket_, "user-", "notify " + testing::ShellQuote(push_url));

  // A single PUT, with a Korean key as the seed's users write them, and a member that is a
  // .zip itself (its object's event matches the rule; only the metadata tells it is output).
  const auto small = dir_.path() / "small.zip";
  testing::MakeZipWithPython(small, {{"report.txt", "hello"},
                                     {"결과/요약.json", R"({"ok": true})"},
                                     {"nested/inner.zip", "not really a zip"}});
  cluster_.Boto3(bucket_, "user-1/프로젝트 1/result.zip",
                 "upload " + testing::ShellQuote(small.string()));

  // A multipart upload (ObjectCreated:CompleteMultipartUpload): 6 MiB that do not compress.
  std::string noise(6 << 20, '\0');
  for (size_t i = 0; i < noise.size(); ++i) {
    noise[i] = static_cast<char>(testing::PatternByte(7, i));
  }
  const auto big = dir_.path() / "big.zip";
  testing::MakeZipWithPython(big, {{"weights.bin", noise}});
  cluster_.Boto3(bucket_, "user-2/p/result.zip", "upload " + testing::ShellQuote(big.string()));

  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return Exists("user-1/프로젝트 1/result/.unpackd/manifest.json") &&
               Exists("user-2/p/result/.unpackd/manifest.json");
      },
      seconds(90)))
      << serve->log();
  EXPECT_TRUE(Exists("user-1/프로젝트 1/result/결과/요약.json"));
  EXPECT_TRUE(Exists("user-1/프로젝트 1/result/nested/inner.zip"));
  const auto weights =
      nlohmann::json::parse(cluster_.Boto3(bucket_, "user-2/p/result/weights.bin", "sha256"));
  EXPECT_EQ(weights["size"], noise.size());

  // The events for serve's own objects arrive after the jobs end; give them a moment, then
  // check that they were refused and that each archive was extracted once.
  const int port = serve->port();
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return testing::ServeMetric(port, "unpackd_events_dropped_total{reason=\"own-output\"}") >=
               1;
      },
      seconds(30)))
      << serve->log();
  EXPECT_EQ(testing::ServeMetric(port, "unpackd_jobs{state=\"done\"}"), 2) << serve->log();
  EXPECT_EQ(testing::ServeMetric(port, "unpackd_jobs{state=\"failed\"}"), 0);
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

}  // namespace
}  // namespace unpackd
