// `unpackd serve` with the HTTP push source, as radosgw and MinIO use it: the archives live in
// s3rver (which sends no events itself), and the test POSTs the S3 event records those servers
// would. Real processes, real sockets, real archives made by Python's zipfile.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <span>

#include "cloud/aws/hashing.h"
#include "support/s3_serve_harness.h"
#include "support/s3rver_fixture.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::seconds;
using testing::S3rverFixture;

constexpr const char* kToken = "push-t0ken";
constexpr const char* kSecret = "push-s3cret";
constexpr size_t kMaxBody = 16 * 1024;

class ServeHttpTest : public ::testing::Test {
 protected:
  ServeHttpTest() : server_({"incoming"}), s3_(server_, "incoming", dir_.path()) {
    config_ = dir_.path() / "unpackd.toml";
    std::ofstream(config_) << (R"(workers = 2
memory = "256MiB"

[sources.http]
bearer_token = ")" + std::string(kToken) +
                               R"("
hmac_secret = ")" + std::string(kSecret) +
                               R"("
max_body_bytes = )" + std::to_string(kMaxBody) +
                               R"(

[[rules]]
name = "results"
buckets = ["incoming"]
prefixes = ["user-"]
)");
  }

  std::unique_ptr<testing::ServeProcess> StartServe() {
    return std::make_unique<testing::ServeProcess>(
        dir_.path() / "store", dir_.path() / "state",
        std::vector<std::string>{"--config", config_.string()}, s3_.ServeEnvironment());
  }

  std::string Upload(const std::string& key, const testing::MemberMap& members) {
    return s3_.Upload(key, members);
  }
  bool Exists(const std::string& key) { return s3_.Exists(key); }

  static std::string EventFor(const std::string& key, const std::string& etag,
                              const std::string& sequencer = "0055AED6DCD90281E5") {
    return testing::S3EventDocument("incoming", key, etag, sequencer);
  }

  httplib::Result Post(int port, const std::string& body, const httplib::Headers& headers) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(30);
    return client.Post("/events", headers, body, "application/json");
  }

  static httplib::Headers Bearer(const std::string& token = kToken) {
    return {{"Authorization", "Bearer " + token}};
  }

  static httplib::Headers Signed(const std::string& body, const std::string& secret = kSecret) {
    const auto key =
        std::span(reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    return {{"X-Unpackd-Signature", "sha256=" + aws::HexEncode(aws::HmacSha256(key, body))}};
  }

  testing::TempDir dir_;
  S3rverFixture server_;
  testing::S3ServeHarness s3_;
  std::filesystem::path config_;
};

TEST_F(ServeHttpTest, AcknowledgedEventSurvivesAKillAndRedeliveryIsOneJob) {
  const std::string etag =
      Upload("user-1/project-1/result.zip", {{"report.txt", "hello"}, {"결과/요약 1.txt", "요약"}});
  const std::string body = EventFor("user-1/project-1/result.zip", etag);
  {
    auto serve = StartServe();
    const auto res = Post(serve->port(), body, Bearer());
    ASSERT_TRUE(res) << serve->log();
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(nlohmann::json::parse(res->body)["queued"], 1);
    // 200 means recorded: a crash right after it loses nothing.
    serve->Kill();
  }
  auto serve = StartServe();
  ASSERT_TRUE(testing::WaitFor(
      [&] { return Exists("user-1/project-1/result/.unpackd/manifest.json"); }, seconds(60)))
      << serve->log();
  EXPECT_TRUE(Exists("user-1/project-1/result/결과/요약 1.txt"));
  // S3 delivers at least once: the same event again, signed this time, is the same job.
  const auto again = Post(serve->port(), body, Signed(body));
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(nlohmann::json::parse(again->body)["duplicate"], 1);
  // An older event for the key (smaller sequencer, another ETag) does no work either.
  const std::string older = EventFor("user-1/project-1/result.zip", "0123", "0055AED6DCD90281");
  const auto stale = Post(serve->port(), older, Bearer());
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(nlohmann::json::parse(stale->body)["queued"], 0) << stale->body;
  EXPECT_EQ(testing::ServeMetric(serve->port(), "unpackd_jobs{state=\"done\"}"), 1) << serve->log();
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeHttpTest, BadDeliveriesAreRefusedCountedAndTheServiceGoesOn) {
  auto serve = StartServe();
  const int port = serve->port();
  const std::string body = EventFor("user-1/p/missing.zip", "abc");

  // Not authenticated: no header, a wrong token, a signature with the wrong secret.
  for (const auto& headers : {httplib::Headers{}, Bearer("wrong"), Signed(body, "wrong")}) {
    const auto res = Post(port, body, headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
  }
  // Too large: refused before it is read.
  const auto big = Post(port, std::string(kMaxBody + 1, ' '), Bearer());
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // Malformed: the sender should not retry it.
  for (const std::string bad : {"{not json", R"({"Records":[{"eventSource":"aws:s3"}]})"}) {
    const auto res = Post(port, bad, Bearer());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << bad;
    EXPECT_NE(res->body.find("malformed"), std::string::npos) << res->body;
  }
  // Well-formed but no work: the object is gone; the key is outside every rule.
  for (const std::string& ignored : {body, EventFor("other/result.zip", "abc")}) {
    const auto res = Post(port, ignored, Bearer());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(nlohmann::json::parse(res->body)["ignored"], 1) << res->body;
  }

  EXPECT_EQ(testing::ServeMetric(port, "unpackd_events_dropped_total{reason=\"unauthorized\"}"), 3);
  EXPECT_EQ(testing::ServeMetric(port, "unpackd_events_dropped_total{reason=\"too-large\"}"), 1);
  EXPECT_EQ(testing::ServeMetric(port, "unpackd_events_dropped_total{reason=\"malformed\"}"), 2);
  EXPECT_EQ(testing::ServeMetric(port, "unpackd_events_dropped_total{reason=\"missing-object\"}"),
            1);
  EXPECT_EQ(testing::ServeMetric(port, "unpackd_events_dropped_total{reason=\"no-rule\"}"), 1);
  EXPECT_EQ(testing::ServeMetric(port, "unpackd_jobs{state=\"queued\"}"), 0);

  // Still serving: a good event is taken.
  const std::string etag = Upload("user-2/p/result.zip", {{"a.txt", "a"}});
  const auto good = Post(port, EventFor("user-2/p/result.zip", etag), Bearer());
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  ASSERT_TRUE(testing::WaitFor([&] { return Exists("user-2/p/result/a.txt"); }, seconds(60)))
      << serve->log();
  httplib::Client client("127.0.0.1", port);
  const auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeHttpTest, ReadinessFollowsTheS3StoreAndAnswersQuicklyWhenItIsDown) {
  auto serve = StartServe();
  httplib::Client client("127.0.0.1", serve->port());
  client.set_read_timeout(30);
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;

  server_.Stop();
  const auto asked = std::chrono::steady_clock::now();
  ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  // One short attempt, not the jobs' two-minute retry budget.
  EXPECT_LT(std::chrono::steady_clock::now() - asked, seconds(10));
  EXPECT_EQ(ready->status, 503);
  EXPECT_NE(ready->body.find("S3 bucket incoming"), std::string::npos) << ready->body;
  // Alive all the same: an orchestrator must not restart it for an outage.
  const auto alive = client.Get("/healthz");
  ASSERT_TRUE(alive);
  EXPECT_EQ(alive->status, 200);

  server_.Start();
  ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

}  // namespace
}  // namespace unpackd
