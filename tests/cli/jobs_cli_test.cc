// `unpackd jobs list|show|retry` as operators run it, against a store the test fills.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "jobs/job_store.h"
#include "support/command_run.h"
#include "support/file_object.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

class JobsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = (dir_.path() / "state").string();
    auto store = JobStore::Open(state_);
    JobRequest r;
    r.bucket = "bkt";
    r.key = "in/evil\nname\x1b[31m.zip";  // a key that would forge a line and color it
    r.etag = "e1";
    done_ = store->Enqueue(r, 1'714'564'800'000).job_id;  // 2024-05-01T12:00:00Z
    r.key = "in/b.zip";
    r.etag = "e2";
    failed_ = store->Enqueue(r, 1'714'564'800'000).job_id;
    r.key = "in/c.zip";
    r.etag = "e3";
    queued_ = store->Enqueue(r, 1'714'564'800'000).job_id;
    store->ClaimNext(1'714'564'800'000);
    store->ClaimNext(1'714'564'800'000);
    store->MarkDone(done_, R"({"manifest_key":"in/evil/.unpackd/manifest.json"})", {},
                    1'714'564'801'000);
    store->MarkFailed(failed_, "io", "SlowDown", "s3://bkt/in/b.zip: slow\ndown", std::nullopt, {},
                      1'714'564'802'000);
  }

  testing::CommandResult Unpackd(const std::string& args) {
    return testing::RunCapturing(std::string(UNPACKD_BIN_PATH) + " " + args, dir_.path());
  }
  std::string StateDir() { return "--state-dir " + testing::ShellQuote(state_); }

  testing::TempDir dir_;
  std::string state_;
  int64_t done_ = 0, failed_ = 0, queued_ = 0;
};

TEST_F(JobsCliTest, ListPrintsOneEscapedLineAJobNewestFirst) {
  const auto r = Unpackd("jobs " + StateDir() + " list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::CountLines(r.out), 3u) << r.out;
  EXPECT_EQ(r.out.find(std::to_string(queued_) + "\tqueued\t0\tbkt/in/c.zip\t"), 0u) << r.out;
  EXPECT_NE(r.out.find(std::to_string(failed_) +
                       "\tfailed\t1\tbkt/in/b.zip\t2024-05-01T12:00:02Z\tSlowDown: "
                       "s3://bkt/in/b.zip: slow\\ndown\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\tdone\t1\tbkt/in/evil\\nname\\x1b[31m.zip\t2024-05-01T12:00:01Z"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
}

TEST_F(JobsCliTest, ListFiltersLimitsAndPrintsJson) {
  auto r = Unpackd("jobs " + StateDir() + " list --state failed");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::CountLines(r.out), 1u) << r.out;
  EXPECT_EQ(r.out.find(std::to_string(failed_) + "\tfailed"), 0u) << r.out;
  r = Unpackd("jobs " + StateDir() + " list --limit 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json["jobs"].size(), 2u);
  EXPECT_EQ(json["jobs"][0]["id"], queued_);
  EXPECT_EQ(json["jobs"][1]["error"], "s3://bkt/in/b.zip: slow\ndown");
  EXPECT_EQ(json["jobs"][1]["error_code"], "SlowDown");
  EXPECT_EQ(Unpackd("jobs " + StateDir() + " list --state finished").exit_code, 2);
}

TEST_F(JobsCliTest, ShowPrintsEveryFieldAndJson) {
  auto r = Unpackd("jobs " + StateDir() + " show " + std::to_string(done_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("state: done\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("key: in/evil\\nname\\x1b[31m.zip\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("etag: e1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("created: 2024-05-01T12:00:00Z\n"), std::string::npos) << r.out;
  r = Unpackd("jobs " + StateDir() + " show " + std::to_string(done_) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["key"], "in/evil\nname\x1b[31m.zip");
  EXPECT_EQ(json["result"]["manifest_key"], "in/evil/.unpackd/manifest.json");
  r = Unpackd("jobs " + StateDir() + " show 999");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("job 999: no such job"), std::string::npos) << r.err;
}

TEST_F(JobsCliTest, RetryRequeuesAFailedJobBesideARunningService) {
  auto service = JobStore::Open(state_);  // holds the lock, as `unpackd serve` would
  auto r = Unpackd("jobs " + StateDir() + " retry " + std::to_string(failed_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find(std::to_string(failed_) + "\tqueued\t1\t"), 0u) << r.out;
  EXPECT_EQ(service->Get(failed_)->state, JobState::kQueued);
  r = Unpackd("jobs " + StateDir() + " retry " + std::to_string(queued_));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is queued: only failed or refused jobs can be retried"), std::string::npos)
      << r.err;
  EXPECT_EQ(Unpackd("jobs " + StateDir() + " retry 999").exit_code, 4);
  r = Unpackd("jobs " + StateDir() + " list --state queued");  // reading beside it too
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::CountLines(r.out), 2u) << r.out;
}

TEST_F(JobsCliTest, StateDirFromEnvironmentAndMissingStore) {
  auto r = Unpackd("jobs --state-dir " + testing::ShellQuote((dir_.path() / "none").string()) +
                   " list --json");
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no job store here"), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["kind"], "not-found");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "none"));
  r.exit_code = testing::RunCommand("UNPACKD_STATE_DIR=" + testing::ShellQuote(state_) + " " +
                                    UNPACKD_BIN_PATH + " jobs list >/dev/null 2>&1");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(Unpackd("jobs").exit_code, 2);  // a subcommand is required
}

}  // namespace
}  // namespace unpackd
