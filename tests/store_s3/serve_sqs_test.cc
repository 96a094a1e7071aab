// `unpackd serve` consuming Amazon SQS: the archives live in s3rver, the event messages go
// through tests/tools/sqs_double.py, a TEST DOUBLE of SQS's documented JSON API (no SQS server
// can run here; it verifies every request's SigV4 signature, hands out receipt handles per
// receive, honours visibility timeouts and moves messages to a dead-letter queue after
// maxReceiveCount receives). Real processes, real sockets, real archives.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cloud/aws/sqs_client.h"
#include "store/s3/s3_store.h"
#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/s3_serve_harness.h"
#include "support/s3rver_fixture.h"
#include "support/serve_process.h"
#include "support/sqs_double_fixture.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::seconds;
using testing::S3rverFixture;
using testing::SqsDoubleFixture;

struct SqsSettings {
  int wait_seconds = 1;
  int visibility_timeout_seconds = 30;
};

class ServeSqsTest : public ::testing::Test {
 protected:
  ServeSqsTest()
      : server_({"incoming"}),
        double_({{"events", "events-dlq"}, {"events=events-dlq:2"}, 30}),
        s3_(server_, "incoming", dir_.path()),
        sender_(SenderConfig(double_.QueueUrl("events"))) {}

  static aws::SqsClientConfig SenderConfig(const std::string& queue_url) {
    aws::SqsClientConfig config;
    config.queue_url = queue_url;
    config.fallback_region = SqsDoubleFixture::kRegion;
    aws::AwsCredentials credentials;
    credentials.access_key_id = S3rverFixture::kAccessKeyId;
    credentials.secret_access_key = S3rverFixture::kSecretAccessKey;
    config.credentials = std::make_shared<aws::StaticCredentialsProvider>(credentials);
    return config;
  }

  // `fleet`: a [fleet] table's body; `worker` names the process's own state folder.
  std::unique_ptr<testing::ServeProcess> StartServe(const SqsSettings& sqs,
                                                    const std::string& secret = "S3RVER",
                                                    const std::string& retry_time = "30",
                                                    const std::string& fleet = "",
                                                    const std::string& worker = "") {
    const auto config = dir_.path() / ("unpackd" + worker + ".toml");
    std::ofstream(config) << "workers = 2\nmemory = \"256MiB\"\n\n[sources.sqs]\nqueue_url = \""
                          << double_.QueueUrl("events") << "\"\nwait_seconds = " << sqs.wait_seconds
                          << "\nvisibility_timeout_seconds = " << sqs.visibility_timeout_seconds
                          << "\n\n[[rules]]\nname = \"results\"\nbuckets = [\"incoming\"]\n"
                          << (fleet.empty() ? "" : "\n[fleet]\n" + fleet);
    return std::make_unique<testing::ServeProcess>(
        dir_.path() / "store", dir_.path() / ("state" + worker),
        std::vector<std::string>{"--config", config.string()},
        std::vector<std::string>{"HOME=" + dir_.path().string(), "AWS_ACCESS_KEY_ID=S3RVER",
                                 "AWS_SECRET_ACCESS_KEY=" + secret, "AWS_REGION=us-east-1",
                                 "AWS_EC2_METADATA_DISABLED=true",
                                 "AWS_ENDPOINT_URL_S3=" + server_.endpoint(),
                                 "UNPACKD_RETRY_TIME=" + retry_time});
  }

  std::string Upload(const std::string& key, const testing::MemberMap& members) {
    return s3_.Upload(key, members);
  }

  bool Exists(const std::string& key) { return s3_.Exists(key); }

  // S3 -> SQS directly: the body is the event document.
  static std::string S3Event(const std::string& key, const std::string& etag) {
    return testing::S3EventDocument("incoming", key, etag);
  }

  // S3 -> SNS -> SQS (raw message delivery off): SNS's notification, the event as its Message.
  static std::string SnsEvent(const std::string& key, const std::string& etag) {
    return nlohmann::json{{"Type", "Notification"},
                          {"MessageId", "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"},
                          {"TopicArn", "arn:aws:sns:us-east-1:000000000000:uploads"},
                          {"Subject", "Amazon S3 Notification"},
                          {"Message", S3Event(key, etag)},
                          {"Timestamp", "2026-12-01T00:00:00.000Z"},
                          {"SignatureVersion", "1"},
                          {"Signature", "EXAMPLE"}}
        .dump(2);
  }

  // S3 -> EventBridge -> SQS: the "Object Created" event.
  static std::string EventBridgeEvent(const std::string& key, const std::string& etag) {
    return nlohmann::json{
        {"version", "0"},
        {"id", "17793124-05d4-b198-2fde-7ededc63b103"},
        {"detail-type", "Object Created"},
        {"source", "aws.s3"},
        {"account", "000000000000"},
        {"time", "2026-12-01T00:00:00Z"},
        {"region", "us-east-1"},
        {"resources", {"arn:aws:s3:::incoming"}},
        {"detail",
         {{"version", "0"},
          {"bucket", {{"name", "incoming"}}},
          {"object", {{"key", key}, {"size", 100}, {"etag", etag}, {"sequencer", "617f0829"}}},
          {"reason", "PutObject"}}}}
        .dump();
  }

  int Requests(const std::string& action) const {
    const nlohmann::json snapshot = double_.Snapshot();
    return snapshot.is_object() ? snapshot["requests"].value(action, 0) : -1;
  }

  testing::TempDir dir_;
  S3rverFixture server_;
  SqsDoubleFixture double_;
  testing::S3ServeHarness s3_;
  aws::SqsClient sender_;
};

TEST_F(ServeSqsTest, DirectSnsAndEventBridgeMessagesEachBecomeOneJob) {
  const std::string direct = Upload("direct.zip", {{"a.txt", "a"}});
  const std::string via_sns = Upload("sns/결과 1.zip", {{"b.txt", "b"}});
  const std::string via_eventbridge = Upload("eventbridge.zip", {{"c.txt", "c"}});
  auto serve = StartServe({});
  sender_.SendMessage(S3Event("direct.zip", direct));
  // AWS form-encodes keys in S3 records: the space is '+', the Hangul percent-encoded.
  sender_.SendMessage(SnsEvent("sns/%EA%B2%B0%EA%B3%BC+1.zip", via_sns));
  sender_.SendMessage(EventBridgeEvent("eventbridge.zip", via_eventbridge));
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return Exists("direct/a.txt") && Exists("sns/결과 1/b.txt") && Exists("eventbridge/c.txt");
      },
      seconds(60)))
      << serve->log();
  // Deleted once recorded; each became one job.
  ASSERT_TRUE(testing::WaitFor([&] { return double_.Depth("events") == 0; }, seconds(10)))
      << double_.Snapshot().dump();
  ASSERT_TRUE(testing::WaitFor(
      [&] { return testing::ServeMetric(serve->port(), "unpackd_jobs{state=\"done\"}") == 3; },
      seconds(30)))
      << serve->log();
  EXPECT_EQ(
      testing::ServeMetric(serve->port(),
                           "unpackd_source_deliveries_total{source=\"sqs\",outcome=\"deleted\"}"),
      3);

  // SQS delivers at least once: the same event again is the same job, and is deleted too.
  sender_.SendMessage(S3Event("direct.zip", direct));
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return testing::ServeMetric(serve->port(),
                                    "unpackd_events_dropped_total{reason=\"duplicate\"}") == 1;
      },
      seconds(20)))
      << serve->log();
  ASSERT_TRUE(testing::WaitFor([&] { return double_.Depth("events") == 0; }, seconds(10)));
  EXPECT_EQ(testing::ServeMetric(serve->port(), "unpackd_events_queued_total"), 3);
  EXPECT_EQ(double_.Depth("events-dlq"), 0);
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

// Fleet mode on SQS: two workers share the queue and nothing else; the archive's event
// becomes three shard jobs on the same queue (SendMessage before the event's DeleteMessage),
// and every message ends deleted once the manifest is written.
TEST_F(ServeSqsTest, FleetWorkersFanAnArchiveOutIntoShardMessagesAndEndWithOneManifest) {
  testing::MemberMap members;
  for (int i = 0; i < 30; ++i) {
    members["m/" + std::to_string(100 + i) + ".txt"] = std::string(1000 + i, 'a' + i % 26);
  }
  const std::string etag = Upload("fleet/big.zip", members);
  const std::string fleet = "enabled = true\nmax_shard_members = 10\n";
  auto first = StartServe({}, "S3RVER", "30", fleet, "-1");
  auto second = StartServe({}, "S3RVER", "30", fleet, "-2");
  sender_.SendMessage(S3Event("fleet/big.zip", etag));
  ASSERT_TRUE(
      testing::WaitFor([&] { return Exists("fleet/big/.unpackd/manifest.json"); }, seconds(60)))
      << first->log() << second->log();
  for (const auto& [name, bytes] : members) EXPECT_TRUE(Exists("fleet/big/" + name)) << name;
  // The event, then three shard jobs: all received, all deleted.
  ASSERT_TRUE(testing::WaitFor([&] { return double_.Depth("events") == 0; }, seconds(30)))
      << double_.Snapshot().dump();
  EXPECT_EQ(Requests("SendMessage"), 1 + 3);
  EXPECT_EQ(Requests("DeleteMessage"), 1 + 3);
  const std::string logs = first->log() + second->log();
  EXPECT_NE(logs.find("job fanned out into shards"), std::string::npos) << logs;
  EXPECT_EQ(first->Terminate(), 0) << first->log();
  EXPECT_EQ(second->Terminate(), 0) << second->log();
}

TEST_F(ServeSqsTest, MalformedMessageGoesToTheDeadLetterQueueAndServeGoesOn) {
  auto serve = StartServe({1, 1});
  sender_.SendMessage("{not json");
  // Received twice (maxReceiveCount 2), never deleted; the third receive moves it.
  ASSERT_TRUE(testing::WaitFor([&] { return double_.Depth("events-dlq") == 1; }, seconds(30)))
      << double_.Snapshot().dump() << serve->log();
  EXPECT_EQ(double_.Depth("events"), 0);
  EXPECT_EQ(double_.Snapshot()["queues"]["events-dlq"]["messages"][0]["body"], "{not json");
  EXPECT_EQ(
      testing::ServeMetric(serve->port(),
                           "unpackd_source_deliveries_total{source=\"sqs\",outcome=\"malformed\"}"),
      2);
  EXPECT_EQ(
      testing::ServeMetric(serve->port(), "unpackd_events_dropped_total{reason=\"malformed\"}"), 2);
  EXPECT_NE(serve->log().find("malformed SQS message left for the queue's dead-letter queue"),
            std::string::npos);
  // Still consuming: a good event is taken.
  const std::string etag = Upload("after.zip", {{"x.txt", "x"}});
  sender_.SendMessage(S3Event("after.zip", etag));
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("after/x.txt"); }, seconds(60))) << serve->log();
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeSqsTest, MessageIsKeptWhileTheStoreIsDownAndComesBack) {
  const std::string etag = Upload("outage.zip", {{"o.txt", "o"}});
  server_.Stop();
  // The intake's HEAD retries for 6 s, longer than the 2 s visibility timeout: the heartbeat
  // must keep the message hidden meanwhile.
  auto serve = StartServe({1, 2}, "S3RVER", "6");
  sender_.SendMessage(S3Event("outage.zip", etag));
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        const auto s = double_.Snapshot();
        return s.is_object() && !s["queues"]["events"]["messages"].empty() &&
               s["queues"]["events"]["messages"][0]["receive_count"] == 1;
      },
      seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  {
    const auto message = double_.Snapshot()["queues"]["events"]["messages"][0];
    EXPECT_EQ(message["state"], "in-flight") << message.dump() << serve->log();
    EXPECT_EQ(message["receive_count"], 1);
    EXPECT_GE(Requests("ChangeMessageVisibility"), 2);
  }
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return serve->log().find("could not record an SQS message's events") != std::string::npos;
      },
      seconds(20)))
      << serve->log();
  EXPECT_EQ(double_.Depth("events"), 1) << "a message whose intake failed was deleted";
  server_.Start();
  // Handed back after a short backoff, received again, recorded, then deleted.
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("outage/o.txt"); }, seconds(60)))
      << serve->log();
  ASSERT_TRUE(testing::WaitFor([&] { return double_.Depth("events") == 0; }, seconds(10)));
  EXPECT_EQ(
      testing::ServeMetric(
          serve->port(), "unpackd_source_deliveries_total{source=\"sqs\",outcome=\"retry-later\"}"),
      1);
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeSqsTest, KillRightAfterTheJobIsRecordedLosesNothing) {
  const std::string etag = Upload("crash.zip", {{"k.txt", "k"}});
  {
    auto serve = StartServe({1, 2});
    sender_.SendMessage(S3Event("crash.zip", etag));
    ASSERT_TRUE(testing::WaitFor(
        [&] { return serve->log().find("\"job queued\"") != std::string::npos; }, seconds(20)))
        << serve->log();
    serve->Kill();  // maybe before the delete, maybe after
  }
  auto serve = StartServe({1, 2});
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("crash/k.txt"); }, seconds(60))) << serve->log();
  // A message not deleted before the kill comes back and is folded as a duplicate.
  ASSERT_TRUE(testing::WaitFor([&] { return double_.Depth("events") == 0; }, seconds(15)))
      << double_.Snapshot().dump();
  ASSERT_TRUE(testing::WaitFor(
      [&] { return testing::ServeMetric(serve->port(), "unpackd_jobs{state=\"done\"}") == 1; },
      seconds(30)));
  EXPECT_EQ(double_.Depth("events-dlq"), 0);
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeSqsTest, WrongCredentialsAreLoggedClearlyAndNothingIsLost) {
  const std::string etag = Upload("creds.zip", {{"c.txt", "c"}});
  sender_.SendMessage(S3Event("creds.zip", etag));
  {
    auto serve = StartServe({1, 30}, "WRONG-secret-0123");
    ASSERT_TRUE(testing::WaitFor(
        [&] { return serve->log().find("cannot receive from the SQS queue") != std::string::npos; },
        seconds(20)))
        << serve->log();
    const std::string log = serve->log();
    EXPECT_NE(log.find("InvalidSignatureException"), std::string::npos) << log;
    EXPECT_NE(log.find("access key id 'S3RVER'"), std::string::npos) << log;
    EXPECT_EQ(log.find("WRONG-secret-0123"), std::string::npos) << "the secret was logged";
    // Alive, and the message was never taken.
    EXPECT_EQ(kill(serve->pid(), 0), 0);
    EXPECT_EQ(testing::ServeMetric(serve->port(), "unpackd_source_connected{source=\"sqs\"}"), 0);
    EXPECT_EQ(double_.Snapshot()["queues"]["events"]["messages"][0]["receive_count"], 0);
    EXPECT_EQ(serve->Terminate(), 0) << serve->log();
  }
  auto serve = StartServe({1, 30});
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("creds/c.txt"); }, seconds(60))) << serve->log();
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeSqsTest, StopIsPromptDuringALongPoll) {
  auto serve = StartServe({20, 30});
  ASSERT_TRUE(testing::WaitFor([&] { return Requests("ReceiveMessage") >= 1; }, seconds(10)));
  std::this_thread::sleep_for(seconds(1));  // well inside the 20 s poll
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(serve->Terminate(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
  EXPECT_EQ(Requests("ReceiveMessage"), 1);
}

}  // namespace
}  // namespace unpackd
