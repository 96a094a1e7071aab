// `unpackd notifications list|retry` as operators run it, against a store the test fills.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "jobs/job_store.h"
#include "support/command_run.h"
#include "support/file_object.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class NotificationsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = (dir_.path() / "state").string();
    auto store = JobStore::Open(state_);
    // Ended three hours ago, so every entry's age reads "3h".
    const int64_t ended = NowMs() - 3 * 3600 * 1000;
    done_job_ = EndedJob(*store, "a.zip");
    store->MarkDone(done_job_, "{}",
                    {{"backend", "a.succeeded", R"({"kind":"job.succeeded","key":"a.zip"})"},
                     {"chat\x1b[31m", "a.succeeded", R"({"kind":"job\nsucceeded"})"}},
                    ended);
    refused_job_ = EndedJob(*store, "b.zip");
    store->MarkRefused(refused_job_, "archive-refused", "zip-bomb", "ratio",
                       {{"backend", "b.refused", "not json"}}, ended);
    const auto entries = store->ListNotifications(std::nullopt, 10);  // newest first
    dead_ = entries.at(0).id;
    chat_ = entries.at(1).id;
    delivered_ = entries.at(2).id;
    store->MarkNotificationDelivered(delivered_, ended + 1);
    store->MarkNotificationDead(dead_, "410 Gone\nforged line", ended + 2);
  }

  static int64_t EndedJob(JobStore& store, const std::string& key) {
    JobRequest r;
    r.bucket = "bkt";
    r.key = key;
    r.etag = key;
    const int64_t id = store.Enqueue(r, 1).job_id;
    store.ClaimNext(1);
    return id;
  }

  testing::CommandResult Unpackd(const std::string& args) {
    return testing::RunCapturing(std::string(UNPACKD_BIN_PATH) + " " + args, dir_.path());
  }
  std::string StateDir() { return "--state-dir " + testing::ShellQuote(state_); }

  testing::TempDir dir_;
  std::string state_;
  int64_t done_job_ = 0, refused_job_ = 0;
  int64_t delivered_ = 0, chat_ = 0, dead_ = 0;
};

TEST_F(NotificationsCliTest, ListPrintsOneEscapedLineAnEntryNewestFirst) {
  const auto r = Unpackd("notifications " + StateDir() + " list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::CountLines(r.out), 3u) << r.out;
  // id, state, target, kind, job, attempts, age, last error
  EXPECT_EQ(r.out.find(std::to_string(dead_) + "\tdead\tbackend\t-\t" +
                       std::to_string(refused_job_) + "\t1\t3h\t410 Gone\\nforged line\n"),
            0u)
      << r.out;
  EXPECT_NE(r.out.find(std::to_string(chat_) + "\tpending\tchat\\x1b[31m\tjob\\nsucceeded\t" +
                       std::to_string(done_job_) + "\t0\t3h\t\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(std::to_string(delivered_) + "\tdelivered\tbackend\tjob.succeeded\t" +
                       std::to_string(done_job_) + "\t1\t3h\t\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
}

TEST_F(NotificationsCliTest, ListFiltersLimitsAndPrintsJson) {
  // --state-dir after the subcommand works too.
  auto r = Unpackd("notifications list --state delivered " + StateDir());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::CountLines(r.out), 1u) << r.out;
  EXPECT_EQ(r.out.find(std::to_string(delivered_) + "\tdelivered\t"), 0u) << r.out;
  r = Unpackd("notifications " + StateDir() + " list --limit 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json["notifications"].size(), 2u);
  const auto& dead = json["notifications"][0];
  EXPECT_EQ(dead["id"], dead_);
  EXPECT_EQ(dead["job_id"], refused_job_);
  EXPECT_EQ(dead["state"], "dead");
  EXPECT_EQ(dead["event_id"], "b.refused");
  EXPECT_EQ(dead["last_error"], "410 Gone\nforged line");
  EXPECT_EQ(dead["payload"], "not json");  // shown as text when it is not JSON
  EXPECT_EQ(dead["attempts"], 1);
  const auto& chat = json["notifications"][1];
  EXPECT_EQ(chat["target"], "chat\x1b[31m");  // JSON carries the exact text
  EXPECT_EQ(chat["kind"], "job\nsucceeded");
  EXPECT_EQ(chat["payload"]["kind"], "job\nsucceeded");
  EXPECT_GT(chat["created_ms"].get<int64_t>(), 0);
  EXPECT_EQ(Unpackd("notifications " + StateDir() + " list --state failed").exit_code, 2);
  EXPECT_EQ(Unpackd("notifications " + StateDir() + " list --limit 0").exit_code, 2);
}

TEST_F(NotificationsCliTest, RetryMakesADeadEntryPendingBesideARunningService) {
  auto service = JobStore::Open(state_);  // holds the lock, as `unpackd serve` would
  auto r = Unpackd("notifications " + StateDir() + " retry " + std::to_string(dead_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(std::to_string(dead_) + "\tpending\tbackend\t-\t" +
                       std::to_string(refused_job_) + "\t0\t3h\t410 Gone\\nforged line\n"),
            0u)
      << r.out;
  const auto entry = service->GetNotification(dead_);
  EXPECT_EQ(entry->state, OutboxState::kPending);
  EXPECT_EQ(entry->attempts, 0);
  EXPECT_LE(entry->next_attempt_ms, NowMs());  // due now
  // Pending and delivered entries are not retried; an unknown id is not found.
  r = Unpackd("notifications " + StateDir() + " retry " + std::to_string(dead_));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("notification " + std::to_string(dead_) +
                       " is pending: only dead notifications can be retried"),
            std::string::npos)
      << r.err;
  r = Unpackd("notifications " + StateDir() + " retry " + std::to_string(delivered_) + " --json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(nlohmann::json::parse(r.out)["code"], "notification-not-retryable");
  r = Unpackd("notifications " + StateDir() + " retry 999");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("notification 999: no such entry"), std::string::npos) << r.err;
}

TEST_F(NotificationsCliTest, RetryPrintsJson) {
  const auto r =
      Unpackd("notifications " + StateDir() + " retry " + std::to_string(dead_) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["id"], dead_);
  EXPECT_EQ(json["state"], "pending");
  EXPECT_EQ(json["attempts"], 0);
  EXPECT_EQ(JobStore::OpenForOperator(state_)->GetNotification(dead_)->state,
            OutboxState::kPending);
}

TEST_F(NotificationsCliTest, StateDirFromEnvironmentAndMissingStore) {
  auto r = Unpackd("notifications --state-dir " +
                   testing::ShellQuote((dir_.path() / "none").string()) + " list --json");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no job store here"), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["kind"], "not-found");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "none"));
  r = testing::RunCapturing("UNPACKD_STATE_DIR=" + testing::ShellQuote(state_) + " " +
                                UNPACKD_BIN_PATH + " notifications list",
                            dir_.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::CountLines(r.out), 3u) << r.out;
  EXPECT_EQ(Unpackd("notifications").exit_code, 2);  // a subcommand is required
  EXPECT_EQ(Unpackd("notifications " + StateDir() + " retry").exit_code, 2);  // an id too
}

}  // namespace
}  // namespace unpackd
