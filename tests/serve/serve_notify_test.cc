// `unpackd serve` telling the backend and Slack: real serve processes, real HTTP receivers on
// loopback (tests/support/loopback_http_server.h), real archives. The receivers check what a
// backend would: the HMAC signature, the idempotency header, Slack's Block Kit shape.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "jobs/job_store.h"
#include "notify/webhook_signature.h"
#include "support/archive_maker.h"
#include "support/loopback_http_server.h"
#include "support/loopback_port.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::seconds;

constexpr const char* kSecret = "test-hmac-secret-0123456789";

int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A backend: records every request, answers what `answer` says (200 by default).
class Receiver {
 public:
  explicit Receiver(int port = 0)
      : server_([this](const testing::LoopbackRequest& r) { return Handle(r); }, port) {}

  std::string url(const std::string& path) const { return server_.url() + path; }

  void set_answer(std::function<testing::LoopbackResponse(const testing::LoopbackRequest&)> f) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(f);
  }
  // The requests answered 2xx, in arrival order.
  std::vector<testing::LoopbackRequest> accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  int requests() const { return server_.request_count(); }

 private:
  testing::LoopbackResponse Handle(const testing::LoopbackRequest& request) {
    std::lock_guard lock(mutex_);
    testing::LoopbackResponse response = answer_ ? answer_(request) : testing::LoopbackResponse{};
    if (response.status / 100 == 2 && response.fault == testing::LoopbackResponse::Fault::kNone) {
      accepted_.push_back(request);
    }
    return response;
  }

  mutable std::mutex mutex_;
  std::function<testing::LoopbackResponse(const testing::LoopbackRequest&)> answer_;
  std::vector<testing::LoopbackRequest> accepted_;
  testing::LoopbackHttpServer server_;  // last: stopped before what its handler uses
};

class ServeNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.path() / "store";
    state_ = dir_.path() / "state";
    std::filesystem::create_directories(root_ / "bkt");
  }

  // A configuration watching the local store whose default rule notifies `targets`.
  std::filesystem::path WriteConfig(const std::string& webhook_url, const std::string& slack_url,
                                    int max_retry_interval_seconds = 600) {
    std::ostringstream toml;
    toml << "state_dir = \"" << state_.string() << "\"\nworkers = 1\n";
    toml << "[sources.watch]\nroot = \"" << root_.string() << "\"\n";
    toml << "[[rules]]\nname = \"default\"\nnotify = [";
    if (!webhook_url.empty()) toml << "\"backend\"";
    if (!slack_url.empty()) toml << (webhook_url.empty() ? "" : ", ") << "\"chat\"";
    toml << "]\n";
    if (!webhook_url.empty()) {
      toml << "[targets.backend]\nkind = \"webhook\"\nurl = \"" << webhook_url
           << "\"\nsecret_env = \"UNPACKD_TEST_HMAC\"\ntimeout_seconds = 5\n";
    }
    if (!slack_url.empty()) {
      toml << "[targets.chat]\nkind = \"slack\"\nurl_env = \"UNPACKD_TEST_SLACK_URL\"\n";
    }
    toml << "[notifications]\nmax_retry_interval_seconds = " << max_retry_interval_seconds << "\n";
    const auto path = dir_.path() / "serve.toml";
    std::ofstream(path) << toml.str();
    slack_url_ = slack_url;
    return path;
  }

  std::unique_ptr<testing::ServeProcess> StartServe(const std::filesystem::path& config) {
    return std::make_unique<testing::ServeProcess>(
        root_, state_, std::vector<std::string>{"--config", config.string()},
        std::vector<std::string>{std::string("UNPACKD_TEST_HMAC=") + kSecret,
                                 "UNPACKD_TEST_SLACK_URL=" + slack_url_});
  }

  void Drop(const std::string& key, const testing::MemberMap& members) {
    const auto staging = dir_.path() / "staging.zip";
    testing::MakeZipWithPython(staging, members);
    std::filesystem::create_directories((root_ / "bkt" / key).parent_path());
    std::filesystem::rename(staging, root_ / "bkt" / key);
  }

  testing::TempDir dir_;
  std::filesystem::path root_, state_;
  std::string slack_url_;
};

TEST_F(ServeNotifyTest, EveryJobEndReachesTheBackendSignedAndSlackAsBlocks) {
  Receiver backend, slack;
  auto serve = StartServe(WriteConfig(backend.url("/hooks/unpackd"), slack.url("/services/T/B/x")));
  Drop("user-1/project-1/result.zip", {{"report.txt", "hello"}, {"결과/요약.txt", "요약"}});
  ASSERT_TRUE(testing::WaitFor([&] { return backend.accepted().size() == 1; }, seconds(30)))
      << serve->log();
  // A hostile archive is refused, and that is news too.
  Drop("user-2/project-9/result.zip", {{"../escape.txt", "x"}});
  ASSERT_TRUE(testing::WaitFor(
      [&] { return backend.accepted().size() == 2 && slack.accepted().size() == 2; }, seconds(30)))
      << serve->log();

  std::vector<std::string> kinds;
  for (const testing::LoopbackRequest& request : backend.accepted()) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/hooks/unpackd");
    EXPECT_TRUE(notify::VerifySignatureHeader(kSecret, request.Header("unpackd-signature"),
                                              request.body, UnixSeconds(), 300))
        << request.Header("unpackd-signature");
    EXPECT_FALSE(notify::VerifySignatureHeader(
        "another-secret", request.Header("unpackd-signature"), request.body, UnixSeconds(), 300));
    const auto payload = nlohmann::json::parse(request.body);
    EXPECT_EQ(payload["schema"], "unpackd.notification/1");
    EXPECT_EQ(request.Header("unpackd-event-id"), payload["event_id"]);
    EXPECT_EQ(request.Header("idempotency-key"), payload["event_id"]);
    kinds.push_back(payload["kind"]);
  }
  ASSERT_EQ(kinds, (std::vector<std::string>{"job.succeeded", "archive.refused"}));
  const auto done = nlohmann::json::parse(backend.accepted()[0].body);
  EXPECT_EQ(done["archive"]["bucket"], "bkt");
  EXPECT_EQ(done["archive"]["key"], "user-1/project-1/result.zip");
  EXPECT_EQ(done["result"]["members"], 2);
  EXPECT_EQ(done["destination"]["prefix"], "user-1/project-1/result/");
  const auto refused = nlohmann::json::parse(backend.accepted()[1].body);
  EXPECT_EQ(refused["archive"]["key"], "user-2/project-9/result.zip");
  EXPECT_FALSE(refused["error"]["message"].get<std::string>().empty());

  for (const testing::LoopbackRequest& request : slack.accepted()) {
    EXPECT_EQ(request.target, "/services/T/B/x");
    const auto message = nlohmann::json::parse(request.body);
    ASSERT_TRUE(message["blocks"].is_array());
    EXPECT_EQ(message["blocks"][0]["type"], "header");
    EXPECT_FALSE(message["text"].get<std::string>().empty());
  }
  // The Slack URL is a secret: it is in no log line.
  EXPECT_EQ(serve->log().find("/services/T/B/x"), std::string::npos);
  EXPECT_EQ(serve->log().find(kSecret), std::string::npos);
  EXPECT_EQ(testing::ServeMetric(serve->port(), "unpackd_notifications{state=\"delivered\"}"), 4);
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeNotifyTest, BackendDownThenFailingThenUpGetsEveryNotificationInJobOrder) {
  const int port = testing::FreeLoopbackPort();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hooks";
  auto serve = StartServe(WriteConfig(url, "", /*max_retry_interval_seconds=*/2));
  const std::vector<std::string> keys = {"a/one.zip", "b/two.zip", "c/three.zip", "d/four.zip"};
  for (const std::string& key : keys) Drop(key, {{"f.txt", key}});
  // Nothing listens: every job ends, every notification waits.
  ASSERT_TRUE(testing::WaitFor(
      [&] { return testing::ServeMetric(serve->port(), "unpackd_jobs{state=\"done\"}") == 4; },
      seconds(60)))
      << serve->log();
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        return testing::ServeMetric(serve->port(),
                                    "unpackd_notification_attempts_total{target=\"backend\","
                                    "outcome=\"retry\"}") >= 2;
      },
      seconds(30)))
      << serve->log();
  EXPECT_EQ(testing::ServeMetric(serve->port(), "unpackd_notifications{state=\"pending\"}"), 4);

  // Up, but failing: three 500s, then it takes everything.
  Receiver backend(port);
  int failures = 0;
  backend.set_answer([&](const testing::LoopbackRequest&) {
    testing::LoopbackResponse response;
    if (failures < 3) {
      ++failures;
      response.status = 500;
      response.body = "deploy in progress";
    }
    return response;
  });
  ASSERT_TRUE(testing::WaitFor([&] { return backend.accepted().size() == 4; }, seconds(60)))
      << serve->log();
  std::vector<std::string> delivered;
  std::set<std::string> event_ids;
  for (const auto& request : backend.accepted()) {
    const auto payload = nlohmann::json::parse(request.body);
    delivered.push_back(payload["archive"]["key"]);
    event_ids.insert(payload["event_id"]);
  }
  EXPECT_EQ(delivered, keys);  // one worker ends them in the order they came
  EXPECT_EQ(event_ids.size(), 4u);
  EXPECT_GE(backend.requests(), 7);
  EXPECT_EQ(testing::ServeMetric(serve->port(), "unpackd_notifications{state=\"pending\"}"), 0);
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

TEST_F(ServeNotifyTest, FiveHundredPendingNotificationsSurviveSigkill) {
  // 500 finished jobs whose notifications nobody has delivered yet, recorded as serve's workers
  // record them (one transaction per job end).
  {
    const auto store = JobStore::Open(state_.string());
    for (int i = 0; i < 500; ++i) {
      JobRequest request;
      request.bucket = "bkt";
      request.key = "batch/" + std::to_string(i) + ".zip";
      request.etag = "etag-" + std::to_string(i);
      request.rule = "default";
      request.origin = "local";
      store->Enqueue(request, 1000 + i);
      const auto job = store->ClaimNext(1'000'000);
      ASSERT_TRUE(job);
      const std::string event_id = "evt_" + std::to_string(i);
      const nlohmann::json payload = {{"schema", "unpackd.notification/1"},
                                      {"event_id", event_id},
                                      {"kind", "job.succeeded"},
                                      {"archive", {{"bucket", "bkt"}, {"key", request.key}}}};
      store->MarkDone(job->id, "{}", {{"backend", event_id, payload.dump()}}, 1'000'000);
    }
  }
  Receiver backend;
  // A slow backend, so that the kill lands mid-way.
  backend.set_answer([](const testing::LoopbackRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return testing::LoopbackResponse{};
  });
  const auto config = WriteConfig(backend.url("/hooks"), "");
  auto serve = StartServe(config);
  ASSERT_TRUE(testing::WaitFor([&] { return backend.accepted().size() >= 100; }, seconds(60)))
      << serve->log();
  serve->Kill();
  const size_t before_restart = backend.accepted().size();
  ASSERT_LT(before_restart, 500u) << "the kill came too late to test anything";

  serve = StartServe(config);
  std::set<std::string> event_ids;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        event_ids.clear();
        for (const auto& request : backend.accepted()) {
          event_ids.insert(nlohmann::json::parse(request.body)["event_id"].get<std::string>());
        }
        return event_ids.size() == 500;
      },
      seconds(120)))
      << event_ids.size() << " of 500\n"
      << serve->log();
  // At least once; more than once only for what was in flight when the process died.
  EXPECT_LE(backend.accepted().size(), 501u);
  // Per target, in job order: each id's first arrival comes after its predecessor's.
  std::vector<int> first_seen;
  std::set<std::string> seen;
  for (const auto& request : backend.accepted()) {
    const std::string id = nlohmann::json::parse(request.body)["event_id"];
    if (seen.insert(id).second) first_seen.push_back(std::stoi(id.substr(4)));
  }
  EXPECT_TRUE(std::is_sorted(first_seen.begin(), first_seen.end()));
  EXPECT_EQ(serve->Terminate(), 0) << serve->log();
}

}  // namespace
}  // namespace unpackd
