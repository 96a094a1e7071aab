// radosgw sending its real bucket notifications to `unpackd serve`, set up as an operator does
// (docs/serve.md): a topic with a push endpoint and a bucket notification for ObjectCreated.
// Two ways: HTTP push to serve's /events (authenticated by the token in the URL, since radosgw
// cannot set headers), and AMQP through a real RabbitMQ that serve consumes. The records are
// radosgw's own (eventVersion 2.2, raw UTF-8 keys), for a single PUT and for a multipart
// upload; serve's own output lands in the same bucket and produces events too, which must
// start no job.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/rabbitmq_fixture.h"
#include "support/radosgw_cluster.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::seconds;

constexpr const char* kToken = "radosgw-push-token";

class ServeRadosgwTest : public ::testing::Test {
 protected:
  ServeRadosgwTest()
      : cluster_(testing::RadosgwCluster::Get()), bucket_(cluster_.UniqueBucket("events")) {}

  // serve's configuration: `sources` (TOML tables) and one rule for this test's bucket.
  void WriteConfig(const std::string& sources) {
    config_ = dir_.path() / "unpackd.toml";
    std::ofstream(config_) << "workers = 2\nmemory = \"256MiB\"\n\n"
                           << sources << "\n[[rules]]\nname = \"results\"\nbuckets = [\"" << bucket_
                           << "\"]\nprefixes = [\"user-\"]\n";
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

  // Uploads two archives as users do (a single PUT with a Korean key and a member that is a
  // .zip itself, whose object's event matches the rule and only its metadata tells it is
  // output; and a multipart upload), then checks that each was extracted exactly once.
  void UploadAndCheckExtraction(const testing::ServeProcess& serve) {
    const auto small = dir_.path() / "small.zip";
    testing::MakeZipWithPython(small, {{"report.txt", "hello"},
                                       {"결과/요약.json", R"({"ok": true})"},
                                       {"nested/inner.zip", "not really a zip"}});
    cluster_.Boto3(bucket_, "user-1/프로젝트 1/result.zip",
                   "upload " + testing::ShellQuote(small.string()));
    // ObjectCreated:CompleteMultipartUpload: 6 MiB that do not compress, in 5 MiB parts.
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
        << serve.log();
    EXPECT_TRUE(Exists("user-1/프로젝트 1/result/결과/요약.json"));
    EXPECT_TRUE(Exists("user-1/프로젝트 1/result/nested/inner.zip"));
    const auto weights =
        nlohmann::json::parse(cluster_.Boto3(bucket_, "user-2/p/result/weights.bin", "sha256"));
    EXPECT_EQ(weights["size"], noise.size());

    // The events for serve's own objects arrive after the jobs end: wait for the nested zip's
    // to be refused, then check that each archive was extracted once.
    const int port = serve.port();
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          return testing::ServeMetric(port,
                                      "unpackd_events_dropped_total{reason=\"own-output\"}") >= 1;
        },
        seconds(30)))
        << serve.log();
    EXPECT_EQ(testing::ServeMetric(port, "unpackd_jobs{state=\"done\"}"), 2) << serve.log();
    EXPECT_EQ(testing::ServeMetric(port, "unpackd_jobs{state=\"failed\"}"), 0);
  }

  testing::TempDir dir_;
  testing::RadosgwCluster cluster_;
  std::string bucket_;
  std::filesystem::path config_;
};

TEST_F(ServeRadosgwTest, HttpPushNotificationsBecomeOneExtractionEachAndOwnOutputIsIgnored) {
  WriteConfig(std::string("[sources.http]\nbearer_token = \"") + kToken + "\"\n");
  auto serve = StartServe();
  const std::string push_url =
      "http://127.0.0.1:" + std::to_string(serve->port()) + "/events?token=" + kToken;
  cluster_.Boto3(bucket_, "user-", "notify " + testing::ShellQuote(push_url));
  UploadAndCheckExtraction(*serve);
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeRadosgwTest, AmqpNotificationsThroughRabbitMqBecomeOneExtractionEach) {
  if (!testing::RabbitMqFixture::Installed())
    GTEST_SKIP() << testing::RabbitMqFixture::kNotInstalled;
  testing::RabbitMqFixture rabbit;
  // serve declares the exchange radosgw publishes to (routing key: the topic's name) and binds
  // its queue to it; radosgw logs in as guest, which RabbitMQ allows from loopback.
  WriteConfig("[sources.amqp]\nurl = \"" + rabbit.url() +
              "\"\nqueue = \"unpackd\"\nexchange = \"s3-events\"\n");
  auto serve = StartServe();
  ASSERT_TRUE(testing::WaitFor(
      [&] { return serve->log().find("AMQP consumer connected") != std::string::npos; },
      seconds(120)))
      << serve->log();
  cluster_.Boto3(bucket_, "user-",
                 "notify amqp://127.0.0.1:" + std::to_string(rabbit.port()) +
                     " amqp-exchange=s3-events amqp-ack-level=broker");
  UploadAndCheckExtraction(*serve);
  EXPECT_EQ(
      testing::ServeMetric(serve->port(),
                           "unpackd_source_deliveries_total{source=\"amqp\",outcome=\"acked\"}"),
      testing::ServeMetric(serve->port(), "unpackd_events_queued_total") +
          testing::ServeMetric(serve->port(),
                               "unpackd_events_dropped_total{reason=\"own-output\"}") +
          testing::ServeMetric(serve->port(), "unpackd_events_dropped_total{reason=\"no-rule\"}"))
      << serve->log();
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

}  // namespace
}  // namespace unpackd
