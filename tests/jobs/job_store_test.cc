// The job store's contract (job_store.h): identity, stale events, claim order, outcomes,
// operators' retry, crash recovery and the service lock.
#include "jobs/job_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "jobs/job_retry.h"
#include "jobs/sqlite_job_store.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

JobRequest Request(const std::string& key, const std::string& etag,
                   const std::string& sequencer = "", const std::string& version = "") {
  JobRequest r;
  r.bucket = "bkt";
  r.key = key;
  r.etag = etag;
  r.version_id = version;
  r.sequencer = sequencer;
  r.size = 123;
  r.rule = "zips";
  r.origin = "s3";
  r.event_time = "2024-05-01T12:00:00.000Z";
  return r;
}

class JobStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<JobStore> OpenStore() { return JobStore::Open(dir_.path().string()); }

  testing::TempDir dir_;
};

TEST_F(JobStoreTest, EnqueueKeepsTheRequestAndDuplicatesAreOneJob) {
  auto store = OpenStore();
  const JobRequest request = Request("a.zip", "etag-1", "0055AEC5F6A0A1B2C3");
  const EnqueueResult first = store->Enqueue(request, 1000);
  ASSERT_EQ(first.outcome, EnqueueOutcome::kCreated);
  EXPECT_GT(first.job_id, 0);
  const EnqueueResult again = store->Enqueue(request, 2000);
  EXPECT_EQ(again.outcome, EnqueueOutcome::kDuplicate);
  EXPECT_EQ(again.job_id, first.job_id);

  const auto record = store->Get(first.job_id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->request.bucket, "bkt");
  EXPECT_EQ(record->request.key, "a.zip");
  EXPECT_EQ(record->request.etag, "etag-1");
  EXPECT_EQ(record->request.sequencer, "0055AEC5F6A0A1B2C3");
  EXPECT_EQ(record->request.size, 123u);
  EXPECT_EQ(record->request.rule, "zips");
  EXPECT_EQ(record->request.origin, "s3");
  EXPECT_EQ(record->request.event_time, "2024-05-01T12:00:00.000Z");
  EXPECT_EQ(record->state, JobState::kQueued);
  EXPECT_EQ(record->attempts, 0);
  EXPECT_EQ(record->created_ms, 1000);
  EXPECT_EQ(record->updated_ms, 1000);
  EXPECT_EQ(record->next_attempt_ms, 1000);
  EXPECT_EQ(store->CountByState()[JobState::kQueued], 1u);
  EXPECT_FALSE(store->Get(first.job_id + 1));
}

TEST_F(JobStoreTest, VersionIdIsTheIdentityWhenPresent) {
  auto store = OpenStore();
  // Same ETag, two versions: two jobs. Same version with another ETag spelling: one job.
  const auto v1 = store->Enqueue(Request("a.zip", "e", "10", "v1"), 1);
  const auto v2 = store->Enqueue(Request("a.zip", "e", "20", "v2"), 2);
  EXPECT_EQ(v1.outcome, EnqueueOutcome::kCreated);
  EXPECT_EQ(v2.outcome, EnqueueOutcome::kCreated);
  EXPECT_NE(v1.job_id, v2.job_id);
  EXPECT_EQ(store->Enqueue(Request("a.zip", "\"e\"", "20", "v2"), 3).job_id, v2.job_id);
  // The same identity under another key or bucket is another job.
  EXPECT_EQ(store->Enqueue(Request("b.zip", "e", "10", "v1"), 4).outcome, EnqueueOutcome::kCreated);
  JobRequest other_bucket = Request("a.zip", "e", "10", "v1");
  other_bucket.bucket = "other";
  EXPECT_EQ(store->Enqueue(other_bucket, 5).outcome, EnqueueOutcome::kCreated);
}

TEST_F(JobStoreTest, OlderSequencerIsStaleComparedAsPaddedHex) {
  auto store = OpenStore();
  // "0055B" is shorter than "0055AED6DCD90281E5" but newer once both are right-padded: a
  // longer-is-newer rule would get this wrong.
  ASSERT_EQ(store->Enqueue(Request("a.zip", "new", "0055B"), 1).outcome, EnqueueOutcome::kCreated);
  const auto stale = store->Enqueue(Request("a.zip", "old", "0055AED6DCD90281E5"), 2);
  EXPECT_EQ(stale.outcome, EnqueueOutcome::kStale);
  EXPECT_EQ(stale.job_id, 0);
  // Lower-case hex of an older order, and the same order with trailing zeros.
  EXPECT_EQ(store->Enqueue(Request("a.zip", "old2", "0055a"), 3).outcome, EnqueueOutcome::kStale);
  EXPECT_EQ(store->Enqueue(Request("a.zip", "old3", "0055A000"), 4).outcome,
            EnqueueOutcome::kStale);
  // Newer, although shorter.
  EXPECT_EQ(store->Enqueue(Request("a.zip", "newer", "0056"), 5).outcome, EnqueueOutcome::kCreated);
  // No sequencer: order unknown, never stale. Another key: never compared.
  EXPECT_EQ(store->Enqueue(Request("a.zip", "unordered"), 6).outcome, EnqueueOutcome::kCreated);
  EXPECT_EQ(store->Enqueue(Request("b.zip", "x", "1"), 7).outcome, EnqueueOutcome::kCreated);
  // A redelivery of the older event that did get a job is still that job's duplicate.
  EXPECT_EQ(store->Enqueue(Request("a.zip", "new", "0055B"), 8).outcome,
            EnqueueOutcome::kDuplicate);
  EXPECT_EQ(store->CountByState()[JobState::kQueued], 4u);
}

TEST_F(JobStoreTest, SameEtagUploadedAgainAfterAnotherVersionRunsAgain) {
  auto store = OpenStore();
  const int64_t a = store->Enqueue(Request("k.zip", "A", "10"), 1).job_id;
  ASSERT_EQ(store->ClaimNext(1)->id, a);
  store->MarkDone(a, "{}", {}, 2);
  const int64_t b = store->Enqueue(Request("k.zip", "B", "20"), 3).job_id;
  ASSERT_EQ(store->ClaimNext(3)->id, b);
  store->MarkDone(b, "{}", {}, 4);
  // The key holds A again (A, B, A; no versioning): A must be extracted again.
  const auto again = store->Enqueue(Request("k.zip", "A", "30"), 5);
  EXPECT_EQ(again.outcome, EnqueueOutcome::kCreated);
  EXPECT_EQ(again.job_id, a);
  const auto record = store->Get(a);
  EXPECT_EQ(record->state, JobState::kQueued);
  EXPECT_EQ(record->request.sequencer, "30");
  EXPECT_EQ(record->attempts, 0);
  // Redeliveries of the new A event and of the B event are duplicates.
  EXPECT_EQ(store->Enqueue(Request("k.zip", "A", "30"), 6).outcome, EnqueueOutcome::kDuplicate);
  EXPECT_EQ(store->Enqueue(Request("k.zip", "B", "20"), 6).outcome, EnqueueOutcome::kDuplicate);
  // The same ETag done, with no other version in between: a duplicate, no work.
  store->ClaimNext(7);
  store->MarkDone(a, "{}", {}, 8);
  EXPECT_EQ(store->Enqueue(Request("k.zip", "A", "40"), 9).outcome, EnqueueOutcome::kDuplicate);
}

TEST_F(JobStoreTest, EventWithoutIdentityJoinsOnlyAQueuedJob) {
  auto store = OpenStore();
  const auto first = store->Enqueue(Request("w.zip", ""), 1);
  const auto second = store->Enqueue(Request("w.zip", ""), 2);
  EXPECT_EQ(first.outcome, EnqueueOutcome::kCreated);
  EXPECT_EQ(second.outcome, EnqueueOutcome::kDuplicate);
  EXPECT_EQ(second.job_id, first.job_id);
  ASSERT_EQ(store->ClaimNext(2)->id, first.job_id);
  // Running: the file may have changed since it was read, so a new event is a new job.
  const auto third = store->Enqueue(Request("w.zip", ""), 3);
  EXPECT_EQ(third.outcome, EnqueueOutcome::kCreated);
  EXPECT_NE(third.job_id, first.job_id);
  // A sequencer alone identifies the event (compared as S3 orders them: trailing zeros pad).
  const auto s1 = store->Enqueue(Request("s.zip", "", "0A"), 4);
  EXPECT_EQ(store->Enqueue(Request("s.zip", "", "0a00"), 5).job_id, s1.job_id);
}

TEST_F(JobStoreTest, ClaimTakesTheLongestDueJobAndRespectsDueTimes) {
  auto store = OpenStore();
  const int64_t a = store->Enqueue(Request("a.zip", "a"), 100).job_id;
  const int64_t b = store->Enqueue(Request("b.zip", "b"), 50).job_id;  // earlier due, later id
  const int64_t c = store->Enqueue(Request("c.zip", "c"), 100).job_id;
  EXPECT_FALSE(store->ClaimNext(49));
  EXPECT_EQ(store->NextDueMs(), 50);
  auto first = store->ClaimNext(200);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, b);
  EXPECT_EQ(first->state, JobState::kRunning);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->updated_ms, 200);
  EXPECT_EQ(store->ClaimNext(200)->id, a);  // same due time: the older id first
  EXPECT_EQ(store->ClaimNext(200)->id, c);
  EXPECT_FALSE(store->ClaimNext(200));
  EXPECT_FALSE(store->NextDueMs());
  EXPECT_EQ(store->CountByState()[JobState::kRunning], 3u);
}

TEST_F(JobStoreTest, OneKeyRunsOneJobAtATimeInQueueOrder) {
  auto store = OpenStore();
  const int64_t v1 = store->Enqueue(Request("k.zip", "1", "10"), 1).job_id;
  const int64_t v2 = store->Enqueue(Request("k.zip", "2", "20"), 1).job_id;
  const int64_t other = store->Enqueue(Request("o.zip", "o"), 5).job_id;
  EXPECT_EQ(store->ClaimNext(10)->id, v1);
  EXPECT_EQ(store->NextDueMs(), 5);  // v2 waits for v1, so only the other key's job counts
  EXPECT_EQ(store->ClaimNext(10)->id, other);
  EXPECT_FALSE(store->ClaimNext(10));  // v2 waits while v1 runs
  // v1 fails and backs off: v2 still waits behind it (an older version never lands last).
  store->MarkFailed(v1, "transient", "SlowDown", "slow down", 1000, {}, 20);
  EXPECT_FALSE(store->ClaimNext(999));
  EXPECT_EQ(store->NextDueMs(), 1000);
  EXPECT_EQ(store->ClaimNext(1000)->id, v1);
  store->MarkDone(v1, "{}", {}, 1001);
  EXPECT_EQ(store->ClaimNext(1001)->id, v2);
}

TEST_F(JobStoreTest, OutcomesDoneFailedWithRetryFailedFinalRefused) {
  auto store = OpenStore();
  const int64_t done = store->Enqueue(Request("d.zip", "d"), 1).job_id;
  const int64_t flaky = store->Enqueue(Request("f.zip", "f"), 1).job_id;
  const int64_t bad = store->Enqueue(Request("r.zip", "r"), 1).job_id;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->ClaimNext(2));

  store->MarkDone(done, R"({"manifest_key":"d/.unpackd/manifest.json"})", {}, 3);
  auto record = store->Get(done);
  EXPECT_EQ(record->state, JobState::kDone);
  EXPECT_EQ(record->result_json, R"({"manifest_key":"d/.unpackd/manifest.json"})");
  EXPECT_EQ(record->updated_ms, 3);

  store->MarkFailed(flaky, "transient", "SlowDown", "s3://b/f.zip: slow down", 500, {}, 4);
  record = store->Get(flaky);
  EXPECT_EQ(record->state, JobState::kQueued);
  EXPECT_EQ(record->next_attempt_ms, 500);
  EXPECT_EQ(record->error_kind, "transient");
  EXPECT_EQ(record->error_code, "SlowDown");
  EXPECT_EQ(record->error, "s3://b/f.zip: slow down");
  EXPECT_FALSE(store->ClaimNext(499));
  auto retried = store->ClaimNext(500);
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->attempts, 2);
  store->MarkFailed(flaky, "io", "", "disk full", std::nullopt, {}, 600);
  EXPECT_EQ(store->Get(flaky)->state, JobState::kFailed);
  EXPECT_EQ(store->Get(flaky)->error, "disk full");
  EXPECT_FALSE(store->ClaimNext(1'000'000));  // final until an operator retries it

  store->MarkRefused(bad, "archive-refused", "unsafe-path", "member ../x", {}, 5);
  EXPECT_EQ(store->Get(bad)->state, JobState::kRefused);
  EXPECT_EQ(store->Get(bad)->error_code, "unsafe-path");
  EXPECT_FALSE(store->ClaimNext(1'000'000));

  const auto counts = store->CountByState();
  EXPECT_EQ(counts.at(JobState::kDone), 1u);
  EXPECT_EQ(counts.at(JobState::kFailed), 1u);
  EXPECT_EQ(counts.at(JobState::kRefused), 1u);
  EXPECT_EQ(counts.at(JobState::kQueued), 0u);
  EXPECT_EQ(counts.at(JobState::kRunning), 0u);
}

TEST_F(JobStoreTest, MarkingAJobThatIsNotRunningIsABug) {
  auto store = OpenStore();
  const int64_t id = store->Enqueue(Request("a.zip", "a"), 1).job_id;
  try {
    store->MarkDone(id, "{}", {}, 2);
    FAIL() << "a queued job was marked done";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    EXPECT_EQ(e.code(), "job-not-running");
  }
  EXPECT_THROW(store->MarkFailed(id + 7, "io", "", "x", std::nullopt, {}, 2), Error);
  EXPECT_EQ(store->Get(id)->state, JobState::kQueued);
}

TEST_F(JobStoreTest, RetryRequeuesOnlyFailedOrRefusedJobs) {
  auto store = OpenStore();
  const int64_t failed = store->Enqueue(Request("f.zip", "f"), 1).job_id;
  const int64_t refused = store->Enqueue(Request("r.zip", "r"), 1).job_id;
  const int64_t queued = store->Enqueue(Request("q.zip", "q"), 1).job_id;
  store->ClaimNext(2);
  store->ClaimNext(2);
  store->MarkFailed(failed, "io", "", "boom", std::nullopt, {}, 3);
  store->MarkRefused(refused, "archive-refused", "zip-bomb", "ratio", {}, 3);

  EXPECT_FALSE(store->Retry(queued, 10));
  EXPECT_FALSE(store->Retry(9999, 10));
  EXPECT_TRUE(store->Retry(failed, 10));
  EXPECT_TRUE(store->Retry(refused, 11));
  EXPECT_FALSE(store->Retry(failed, 12));  // queued now
  const auto record = store->Get(failed);
  EXPECT_EQ(record->state, JobState::kQueued);
  EXPECT_EQ(record->attempts, 1);  // kept
  EXPECT_EQ(record->next_attempt_ms, 10);
  EXPECT_EQ(record->error, "boom");             // kept until the next attempt ends
  EXPECT_EQ(store->ClaimNext(11)->id, queued);  // due at 1, the longest
  EXPECT_EQ(store->ClaimNext(11)->id, failed);
}

TEST_F(JobStoreTest, ListIsNewestFirstFilteredAndLimited) {
  auto store = OpenStore();
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(store->Enqueue(Request("k" + std::to_string(i), "e"), i).job_id);
  }
  store->ClaimNext(100);  // ids[0]
  auto all = store->List(std::nullopt, 100);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front().id, ids.back());
  EXPECT_EQ(all.back().id, ids.front());
  EXPECT_EQ(store->List(std::nullopt, 2).size(), 2u);
  const auto running = store->List(JobState::kRunning, 100);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].id, ids[0]);
  EXPECT_EQ(store->List(JobState::kQueued, 100).size(), 4u);
  EXPECT_TRUE(store->List(JobState::kDone, 100).empty());
}

TEST_F(JobStoreTest, ReopenAfterACrashRequeuesRunningJobs) {
  int64_t running = 0, done = 0;
  {
    auto store = OpenStore();
    running = store->Enqueue(Request("a.zip", "a"), 1).job_id;
    done = store->Enqueue(Request("b.zip", "b"), 1).job_id;
    store->ClaimNext(2);
    store->ClaimNext(2);
    store->MarkDone(done, "{}", {}, 3);
    // The store goes away with a job still running, as when the process dies.
  }
  auto store = OpenStore();
  const auto record = store->Get(running);
  EXPECT_EQ(record->state, JobState::kQueued);
  EXPECT_EQ(record->attempts, 1);
  EXPECT_EQ(store->Get(done)->state, JobState::kDone);
  const auto again = store->ClaimNext(4);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, running);
  EXPECT_EQ(again->attempts, 2);
}

TEST_F(JobStoreTest, TwoServicesCannotShareAStateDirectory) {
  auto store = OpenStore();
  try {
    OpenStore();
    FAIL() << "a second service opened the same store";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_EQ(e.code(), "job-store-locked");
    EXPECT_NE(std::string(e.what()).find("jobs.lock"), std::string::npos) << e.what();
  }
  store.reset();
  EXPECT_NO_THROW(OpenStore());  // the lock goes with the store
}

TEST_F(JobStoreTest, OperatorStoreWorksBesideTheServiceAndDoesNotRecover) {
  auto service = OpenStore();
  const int64_t running = service->Enqueue(Request("a.zip", "a"), 1).job_id;
  const int64_t failed = service->Enqueue(Request("b.zip", "b"), 1).job_id;
  service->ClaimNext(2);
  service->ClaimNext(2);
  service->MarkFailed(failed, "io", "", "x", std::nullopt, {}, 3);

  auto operator_store = JobStore::OpenForOperator(dir_.path().string());
  EXPECT_EQ(operator_store->Get(running)->state, JobState::kRunning);  // not requeued
  EXPECT_EQ(operator_store->List(std::nullopt, 10).size(), 2u);
  EXPECT_TRUE(operator_store->Retry(failed, 4));
  // The service sees the operator's write at once.
  EXPECT_EQ(service->ClaimNext(5)->id, failed);
}

TEST_F(JobStoreTest, OperatorStoreNeedsAnExistingStore) {
  try {
    JobStore::OpenForOperator((dir_.path() / "nothing").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_EQ(e.code(), "job-store");
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "nothing"));
}

TEST_F(JobStoreTest, StoreIsWalWithSchemaVersionAndRefusesANewerSchema) {
  OpenStore().reset();
  const std::string db = (dir_.path() / "jobs.sqlite3").string();
  {
    SqliteConnection connection(db, false);
    SqliteStatement mode(connection, "PRAGMA journal_mode");
    ASSERT_TRUE(mode.Step());
    EXPECT_EQ(mode.Text(0), "wal");
    EXPECT_EQ(connection.QueryInt("PRAGMA user_version"), kJobStoreSchemaVersion);
    connection.Exec("PRAGMA user_version = 99");
  }
  try {
    OpenStore();
    FAIL() << "opened a store from a newer unpackd";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "job-store");
    EXPECT_NE(std::string(e.what()).find(db), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST_F(JobStoreTest, ConcurrentEnqueuesAndClaimsLoseNothing) {
  auto store = OpenStore();
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        store->Enqueue(Request(key, "e"), i);
        store->Enqueue(Request(key, "e"), i);  // a redelivery
        // Everyone's key 0 too: one job, whoever wins.
        store->Enqueue(Request("shared.zip", "e"), i);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store->CountByState()[JobState::kQueued], kThreads * kEach + 1u);

  std::atomic<int> claimed{0};
  threads.clear();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &claimed] {
      while (auto job = store->ClaimNext(1'000'000)) {
        store->MarkDone(job->id, "{}", {}, 1'000'001);
        ++claimed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(claimed.load(), kThreads * kEach + 1);
  EXPECT_EQ(store->CountByState()[JobState::kDone], kThreads * kEach + 1u);
}

TEST_F(JobStoreTest, StoreErrorsNameTheDatabase) {
  std::filesystem::create_directories(dir_.path() / "jobs.sqlite3");  // a folder in the way
  try {
    OpenStore();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_EQ(e.code(), "job-store");
    EXPECT_NE(std::string(e.what()).find((dir_.path() / "jobs.sqlite3").string()),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace unpackd
