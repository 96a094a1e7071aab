// `unpackd serve` consuming an AMQP queue in a real RabbitMQ (Debian's rabbitmq-server,
// started privately on loopback by the test), as radosgw and MinIO publish to it: the test
// publishes radosgw's own event records (tests/data/s3-events/radosgw-put.json) to the
// exchange; the archives live in s3rver. Real processes, real sockets, real archives.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/file_object.h"
#include "support/loopback_port.h"
#include "support/rabbitmq_fixture.h"
#include "support/s3_serve_harness.h"
#include "support/s3rver_fixture.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::seconds;
using testing::RabbitMqFixture;
using testing::S3rverFixture;

constexpr const char* kExchange = "s3-events";  // radosgw's amqp-exchange
constexpr const char* kTopic = "unpackd-in";    // radosgw's routing key: the topic's name
constexpr const char* kQueue = "unpackd";
constexpr const char* kDeadLetters = "unpackd-dead";
constexpr const char* kReconnecting = "AMQP consumer disconnected; reconnecting";

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ServeAmqpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RabbitMqFixture::Installed()) GTEST_SKIP() << RabbitMqFixture::kNotInstalled;
    server_ = std::make_unique<S3rverFixture>(std::vector<std::string>{"incoming"});
    s3_ = std::make_unique<testing::S3ServeHarness>(*server_, "incoming", dir_.path());
  }

  // serve's configuration: the AMQP source at `url` with `extra` lines (exchange, prefetch).
  void WriteConfig(const std::string& url, const std::string& extra) {
    config_ = dir_.path() / "unpackd.toml";
    std::ofstream(config_) << "workers = 2\nmemory = \"256MiB\"\n\n[sources.amqp]\nurl = \"" + url +
                                  "\"\nqueue = \"" + kQueue + "\"\n" + extra +
                                  "\n[[rules]]\nname = \"radosgw\"\nbuckets = [\"incoming\"]\n"
                                  "prefixes = [\"in/\"]\n";
  }

  std::unique_ptr<testing::ServeProcess> StartServe() {
    std::vector<std::string> env = s3_->ServeEnvironment();
    // Tests stop s3rver to hold deliveries unacknowledged: give up on it within seconds.
    env.emplace_back("UNPACKD_RETRY_TIME=2");
    return std::make_unique<testing::ServeProcess>(
        dir_.path() / "store", dir_.path() / "state",
        std::vector<std::string>{"--config", config_.string()}, std::move(env));
  }

  // Waits until serve's log has said `what` `times` times in all.
  static void WaitForLog(const testing::ServeProcess& serve, const std::string& what,
                         size_t times = 1) {
    ASSERT_TRUE(testing::WaitFor([&] { return Count(serve.log(), what) >= times; }, seconds(120)))
        << "waiting for \"" << what << "\" x" << times << ":\n"
        << serve.log();
  }
  static void WaitConnected(const testing::ServeProcess& serve, size_t times = 1) {
    WaitForLog(serve, "AMQP consumer connected", times);
  }

  // A broker, and serve consuming from it with the exchange declared and bound (the usual
  // set-up), with `extra` configuration lines.
  std::unique_ptr<testing::ServeProcess> StartBrokerAndServe(const std::string& extra = "") {
    rabbit_ = std::make_unique<RabbitMqFixture>();
    WriteConfig(rabbit_->url(), std::string("exchange = \"") + kExchange + "\"\n" + extra);
    auto serve = StartServe();
    WaitConnected(*serve);
    return serve;
  }

  std::string Upload(const std::string& key, const testing::MemberMap& members) {
    return s3_->Upload(key, members);
  }
  bool Exists(const std::string& key) { return s3_->Exists(key); }

  // radosgw's own record (raw UTF-8 key, eventVersion 2.2), for this bucket, key and ETag.
  static std::string RadosgwEvent(const std::string& key, const std::string& etag) {
    nlohmann::json message = nlohmann::json::parse(testing::ReadFileString(
        std::string(UNPACKD_SOURCE_DIR_PATH) + "/tests/data/s3-events/radosgw-put.json"));
    nlohmann::json& s3 = message["Records"][0]["s3"];
    s3["bucket"]["name"] = "incoming";
    s3["object"]["key"] = key;
    s3["object"]["eTag"] = etag;
    return message.dump();
  }

  void Publish(const std::string& body) {
    const auto connection = rabbit_->Connect();
    connection->DeclareExchange(kExchange, "topic");
    connection->Publish(kExchange, kTopic, body);
  }

  uint32_t Ready(const std::string& queue) {
    return rabbit_->Connect()->InspectQueue(queue).messages;
  }

  // SIGTERM; expects a clean exit within `limit`.
  static void ExpectPromptStop(testing::ServeProcess& serve, seconds limit) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(serve.Terminate(), 0) << serve.log();
    EXPECT_LT(std::chrono::steady_clock::now() - start, limit) << serve.log();
  }

  testing::TempDir dir_;
  std::unique_ptr<S3rverFixture> server_;
  std::unique_ptr<testing::S3ServeHarness> s3_;
  std::unique_ptr<RabbitMqFixture> rabbit_;
  std::filesystem::path config_;
};

TEST_F(ServeAmqpTest, RadosgwRecordsOnTheExchangeAreExtractedOnceEach) {
  auto serve = StartBrokerAndServe();
  const std::string first = "in/보고서 2024+v1.zip";
  const std::string second = "in/user-2/결과.zip";
  const std::string first_event = RadosgwEvent(first, Upload(first, {{"요약 1.txt", "요약"}}));
  Publish(first_event);
  Publish(RadosgwEvent(second, Upload(second, {{"a.txt", "a"}})));
  // At least once: the broker may deliver an event again; it is the same job.
  Publish(first_event);
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return Exists("in/보고서 2024+v1/.unpackd/manifest.json") &&
               Exists("in/user-2/결과/.unpackd/manifest.json");
      },
      seconds(120)))
      << serve->log();
  EXPECT_TRUE(Exists("in/보고서 2024+v1/요약 1.txt"));
  const int port = serve->port();
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return testing::ServeMetric(
                   port, R"(unpackd_source_deliveries_total{source="amqp",outcome="acked"})") == 3;
      },
      seconds(30)))
      << serve->log();
  EXPECT_EQ(testing::ServeMetric(port, "unpackd_events_queued_total"), 2);
  EXPECT_EQ(testing::ServeMetric(port, R"(unpackd_events_dropped_total{reason="duplicate"})"), 1);
  EXPECT_EQ(testing::ServeMetric(port, R"(unpackd_source_connected{source="amqp"})"), 1);
  EXPECT_EQ(Ready(kQueue), 0u);
  // Stop while consuming: the receive loop looks at the stop flag every 200 ms.
  ExpectPromptStop(*serve, seconds(10));
}

TEST_F(ServeAmqpTest, MalformedMessagesAreDeadLetteredAndServeGoesOn) {
  rabbit_ = std::make_unique<RabbitMqFixture>();
  {
    // The operator's queue: rejected messages go, through the default exchange, to a queue
    // of their own. serve is told no exchange, so it consumes the queue as it is.
    const auto admin = rabbit_->Connect();
    admin->DeclareExchange(kExchange, "topic");
    admin->DeclareQueue(kDeadLetters, {});
    amqp::AmqpQueueOptions options;
    options.dead_letter_exchange = "";
    options.dead_letter_routing_key = kDeadLetters;
    admin->DeclareQueue(kQueue, options);
    admin->BindQueue(kQueue, kExchange, "#");
  }
  WriteConfig(rabbit_->url(), "");
  auto serve = StartServe();
  WaitConnected(*serve);
  Publish("{not json");
  Publish(R"({"Records":[{"eventSource":"ceph:s3"}]})");
  const std::string key = "in/after.zip";
  Publish(RadosgwEvent(key, Upload(key, {{"a.txt", "a"}})));
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("in/after/a.txt"); }, seconds(120)))
      << serve->log();
  ASSERT_TRUE(testing::WaitFor([&] { return Ready(kDeadLetters) == 2; }, seconds(30)))
      << serve->log();
  EXPECT_EQ(Ready(kQueue), 0u);
  const int port = serve->port();
  EXPECT_EQ(testing::ServeMetric(port, R"(unpackd_events_dropped_total{reason="malformed"})"), 2);
  EXPECT_EQ(testing::ServeMetric(
                port, R"(unpackd_source_deliveries_total{source="amqp",outcome="rejected"})"),
            2);
  EXPECT_EQ(Count(serve->log(), "AMQP delivery rejected"), 2u) << serve->log();
  ExpectPromptStop(*serve, seconds(10));
}

TEST_F(ServeAmqpTest, UnackedDeliverySurvivesAKillAndIsExtractedOnce) {
  const std::string key = "in/survivor.zip";
  const std::string event = RadosgwEvent(key, Upload(key, {{"a.txt", "a"}}));
  {
    auto serve = StartBrokerAndServe();
    // With S3 away the event cannot be confirmed: serve holds it unacknowledged, requeueing
    // it after each failed attempt.
    server_->Stop();
    Publish(event);
    WaitForLog(*serve, "requeueing");
    serve->Kill();
  }
  // The broker takes back what the dead consumer held.
  ASSERT_TRUE(testing::WaitFor([&] { return Ready(kQueue) == 1; }, seconds(30)));
  server_->Start();
  auto serve = StartServe();
  ASSERT_TRUE(
      testing::WaitFor([&] { return Exists("in/survivor/.unpackd/manifest.json"); }, seconds(120)))
      << serve->log();
  EXPECT_TRUE(Exists("in/survivor/a.txt"));
  ASSERT_TRUE(testing::WaitFor(
      [&] { return testing::ServeMetric(serve->port(), R"(unpackd_jobs{state="done"})") == 1; },
      seconds(30)))
      << serve->log();
  EXPECT_EQ(Ready(kQueue), 0u);
  ExpectPromptStop(*serve, seconds(10));
}

TEST_F(ServeAmqpTest, PrefetchBoundsUnacknowledgedDeliveries) {
  auto serve = StartBrokerAndServe("prefetch = 2\n");
  std::vector<std::string> events;
  for (int i = 0; i < 6; ++i) {
    const std::string key = "in/p" + std::to_string(i) + ".zip";
    events.push_back(RadosgwEvent(key, Upload(key, {{"a.txt", std::to_string(i)}})));
  }
  server_->Stop();  // serve cannot finish any delivery: each stays unacknowledged
  for (const std::string& event : events) Publish(event);
  // The broker hands out 2 and keeps the other 4 (a requeued one may briefly be back).
  ASSERT_TRUE(testing::WaitFor([&] { return Ready(kQueue) == 4; }, seconds(60))) << serve->log();
  for (int i = 0; i < 10; ++i) {
    EXPECT_GE(Ready(kQueue), 4u);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  server_->Start();
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        for (int i = 0; i < 6; ++i) {
          if (!Exists("in/p" + std::to_string(i) + "/a.txt")) return false;
        }
        return true;
      },
      seconds(180)))
      << serve->log();
  EXPECT_EQ(Ready(kQueue), 0u);
  ExpectPromptStop(*serve, seconds(10));
}

TEST_F(ServeAmqpTest, ServeStartedBeforeTheBrokerConsumesOnceItIsUp) {
  rabbit_ = std::make_unique<RabbitMqFixture>(/*start=*/false);
  WriteConfig(rabbit_->url(), std::string("exchange = \"") + kExchange + "\"\n");
  auto serve = StartServe();
  WaitForLog(*serve, kReconnecting, 2);
  EXPECT_EQ(testing::ServeMetric(serve->port(), R"(unpackd_source_connected{source="amqp"})"), 0);
  rabbit_->Start();
  WaitConnected(*serve);
  const std::string key = "in/late.zip";
  Publish(RadosgwEvent(key, Upload(key, {{"a.txt", "a"}})));
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("in/late/a.txt"); }, seconds(120)))
      << serve->log();
  EXPECT_EQ(testing::ServeMetric(serve->port(), R"(unpackd_source_connected{source="amqp"})"), 1);
  ExpectPromptStop(*serve, seconds(10));
}

TEST_F(ServeAmqpTest, ReconnectsAfterTheBrokerRestarts) {
  auto serve = StartBrokerAndServe();
  const std::string before = "in/before.zip";
  Publish(RadosgwEvent(before, Upload(before, {{"a.txt", "a"}})));
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("in/before/a.txt"); }, seconds(120)))
      << serve->log();
  rabbit_->Stop();
  WaitForLog(*serve, kReconnecting);
  rabbit_->Start();
  WaitConnected(*serve, 2);
  const std::string after = "in/after-restart.zip";
  Publish(RadosgwEvent(after, Upload(after, {{"b.txt", "b"}})));
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("in/after-restart/b.txt"); }, seconds(120)))
      << serve->log();
  ExpectPromptStop(*serve, seconds(10));
}

// No broker needed: the reconnect loop's pause is cut short by Stop.
TEST_F(ServeAmqpTest, StopIsPromptWhileTheBrokerIsUnreachable) {
  WriteConfig(
      "amqp://guest:guest@127.0.0.1:" + std::to_string(testing::FreeLoopbackPort()) + "/%2f", "");
  auto serve = StartServe();
  WaitForLog(*serve, kReconnecting, 4);
  // Neither crashed nor spinning: a handful of attempts with growing pauses.
  EXPECT_LT(Count(serve->log(), kReconnecting), 20u);
  EXPECT_EQ(serve->log().find("guest:guest"), std::string::npos) << "a password was logged";
  ExpectPromptStop(*serve, seconds(3));
}

TEST_F(ServeAmqpTest, AMalformedUrlStopsServeAtStartWithoutShowingThePassword) {
  WriteConfig("amqp://unpackd:hunter2@mq.example:notaport/%2f", "");
  try {
    StartServe();
    ADD_FAILURE() << "serve started with a malformed AMQP URL";
  } catch (const std::runtime_error& e) {
    const std::string log = e.what();
    EXPECT_NE(log.find("sources.amqp.url"), std::string::npos) << log;
    EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace unpackd
