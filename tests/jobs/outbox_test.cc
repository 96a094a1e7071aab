// The job store's notification outbox (job_store.h, "Outbox"): recorded with a job's end in one
// transaction, handed out per target in job order (head-of-line), retried, dead-lettered,
// retried by operators, pruned, migrated into an older store, and durable across reopening.
#include <gtest/gtest.h>

#include <set>

#include "jobs/job_store.h"
#include "jobs/sqlite_handle.h"
#include "jobs/sqlite_job_store.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

OutboxMessage Message(const std::string& target, const std::string& event_id,
                      const std::string& kind = "job.succeeded") {
  return {target, event_id, R"({"kind":")" + kind + R"(","event_id":")" + event_id + "\"}"};
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(); }
  std::unique_ptr<JobStore> OpenStore() { return JobStore::Open(dir_.path().string()); }

  // A job of its own key, claimed: ready for a Mark*.
  int64_t RunningJob(const std::string& key) {
    JobRequest r;
    r.bucket = "bkt";
    r.key = key;
    r.etag = "e-" + key;
    const int64_t id = store_->Enqueue(r, 1).job_id;
    auto claimed = store_->ClaimNext(1);
    EXPECT_TRUE(claimed && claimed->id == id) << key;
    return id;
  }
  // A finished job that recorded `messages` at `now_ms`.
  int64_t DoneJob(const std::string& key, const std::vector<OutboxMessage>& messages,
                  int64_t now_ms = 10) {
    const int64_t id = RunningJob(key);
    store_->MarkDone(id, "{}", messages, now_ms);
    return id;
  }
  std::vector<int64_t> DueIds(int64_t now_ms, size_t limit = 100) {
    std::vector<int64_t> ids;
    for (const OutboxEntry& e : store_->DueNotifications(now_ms, limit)) ids.push_back(e.id);
    return ids;
  }
  // The entry of `job_id` for `target`.
  OutboxEntry EntryOf(int64_t job_id, const std::string& target) {
    for (const OutboxEntry& e : store_->ListNotifications(std::nullopt, 1000)) {
      if (e.job_id == job_id && e.target == target) return e;
    }
    ADD_FAILURE() << "no entry of job " << job_id << " for " << target;
    return {};
  }

  testing::TempDir dir_;
  std::unique_ptr<JobStore> store_;
};

TEST_F(OutboxTest, MarkDoneRecordsItsNotificationsWithTheJob) {
  const int64_t job = RunningJob("a.zip");
  store_->MarkDone(job, R"({"members":3})",
                   {Message("backend", "job-1.succeeded"), Message("slack", "job-1.succeeded")},
                   1000);
  EXPECT_EQ(store_->Get(job)->state, JobState::kDone);
  const auto entries = store_->ListNotifications(std::nullopt, 10);
  ASSERT_EQ(entries.size(), 2u);
  std::set<std::string> targets;
  for (const OutboxEntry& e : entries) {
    targets.insert(e.target);
    EXPECT_EQ(e.job_id, job);
    EXPECT_EQ(e.event_id, "job-1.succeeded");
    EXPECT_EQ(e.payload_json, R"({"kind":"job.succeeded","event_id":"job-1.succeeded"})");
    EXPECT_EQ(e.state, OutboxState::kPending);
    EXPECT_EQ(e.attempts, 0);
    EXPECT_EQ(e.created_ms, 1000);
    EXPECT_EQ(e.updated_ms, 1000);
    EXPECT_EQ(e.next_attempt_ms, 1000);  // due at once
    EXPECT_EQ(e.last_error, "");
  }
  EXPECT_EQ(targets, (std::set<std::string>{"backend", "slack"}));
  EXPECT_EQ(DueIds(1000).size(), 2u);
  EXPECT_TRUE(DueIds(999).empty());
}

TEST_F(OutboxTest, AFailedMarkRecordsNeitherTheEndNorTheNotifications) {
  // A job that is not running: the Mark* throws and writes nothing.
  JobRequest r;
  r.bucket = "bkt";
  r.key = "queued.zip";
  r.etag = "q";
  const int64_t queued = store_->Enqueue(r, 1000).job_id;  // not due when RunningJob claims
  EXPECT_THROW(store_->MarkDone(queued, "{}", {Message("backend", "q.succeeded")}, 2), Error);
  EXPECT_THROW(store_->MarkRefused(queued + 100, "archive-refused", "zip-bomb", "ratio",
                                   {Message("backend", "x.refused")}, 2),
               Error);
  EXPECT_TRUE(store_->ListNotifications(std::nullopt, 10).empty());

  // The job's update succeeds, then its second message is invalid: the whole transaction goes,
  // the job's end included.
  const int64_t running = RunningJob("r.zip");
  try {
    store_->MarkDone(running, "{}", {Message("backend", "r.succeeded"), Message("", "r.x")}, 3);
    FAIL() << "a notification without a target was recorded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    EXPECT_EQ(e.code(), "notification-invalid");
  }
  EXPECT_EQ(store_->Get(running)->state, JobState::kRunning);
  EXPECT_TRUE(store_->ListNotifications(std::nullopt, 10).empty());
  EXPECT_THROW(store_->MarkDone(running, "{}", {Message("backend", "")}, 3), Error);
  EXPECT_TRUE(store_->ListNotifications(std::nullopt, 10).empty());
  // And it can still end properly.
  store_->MarkDone(running, "{}", {Message("backend", "r.succeeded")}, 4);
  EXPECT_EQ(store_->ListNotifications(std::nullopt, 10).size(), 1u);
}

TEST_F(OutboxTest, OnlyAFinalFailureNotifiesAndARefusalDoes) {
  const int64_t flaky = RunningJob("f.zip");
  store_->MarkFailed(flaky, "transient", "SlowDown", "slow down", 500,
                     {Message("backend", "f.failed", "job.failed")}, 20);
  EXPECT_TRUE(store_->ListNotifications(std::nullopt, 10).empty()) << "a retried job notified";
  ASSERT_EQ(store_->ClaimNext(500)->id, flaky);
  store_->MarkFailed(flaky, "io", "", "disk full", std::nullopt,
                     {Message("backend", "f.failed", "job.failed")}, 600);
  auto entries = store_->ListNotifications(std::nullopt, 10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].job_id, flaky);
  EXPECT_EQ(entries[0].created_ms, 600);

  const int64_t bad = RunningJob("b.zip");
  store_->MarkRefused(bad, "archive-refused", "unsafe-path", "member ../x",
                      {Message("backend", "b.refused", "job.refused")}, 700);
  EXPECT_EQ(store_->Get(bad)->state, JobState::kRefused);
  entries = store_->ListNotifications(std::nullopt, 10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].job_id, bad);
  EXPECT_EQ(entries[0].event_id, "b.refused");
}

TEST_F(OutboxTest, OneEntryPerTargetAndEventId) {
  // Refused, retried by an operator, refused again with the same event id: one entry, the
  // first one, whatever state it reached.
  const int64_t job = RunningJob("r.zip");
  store_->MarkRefused(job, "archive-refused", "zip-bomb", "ratio",
                      {Message("backend", "r.refused", "job.refused")}, 10);
  const int64_t first = store_->ListNotifications(std::nullopt, 10).at(0).id;
  store_->MarkNotificationDelivered(first, 11);
  ASSERT_TRUE(store_->Retry(job, 12));
  ASSERT_EQ(store_->ClaimNext(12)->id, job);
  store_->MarkRefused(job, "archive-refused", "zip-bomb", "ratio again",
                      {Message("backend", "r.refused", "job.refused"),
                       Message("slack", "r.refused", "job.refused")},
                      13);
  const auto entries = store_->ListNotifications(std::nullopt, 10);
  ASSERT_EQ(entries.size(), 2u);  // the backend's old one and slack's new one
  EXPECT_EQ(entries[1].id, first);
  EXPECT_EQ(entries[1].state, OutboxState::kDelivered);
  EXPECT_EQ(entries[0].target, "slack");
  EXPECT_TRUE(DueIds(100) == std::vector<int64_t>{entries[0].id});
  // The same event twice in one call: one entry too.
  DoneJob("d.zip", {Message("backend", "d.succeeded"), Message("backend", "d.succeeded")});
  EXPECT_EQ(store_->ListNotifications(std::nullopt, 10).size(), 3u);
}

TEST_F(OutboxTest, EachTargetGetsItsOldestPendingEntryInJobOrder) {
  const int64_t a = DoneJob("a.zip", {Message("t1", "a"), Message("t2", "a")});
  const int64_t b = DoneJob("b.zip", {Message("t1", "b"), Message("t2", "b")});
  const int64_t c = DoneJob("c.zip", {Message("t1", "c")});
  auto due = store_->DueNotifications(100, 10);
  ASSERT_EQ(due.size(), 2u);  // one a target: both heads are job a's
  for (const OutboxEntry& e : due) EXPECT_EQ(e.job_id, a) << e.target;

  store_->MarkNotificationDelivered(EntryOf(a, "t1").id, 101);
  EXPECT_EQ(EntryOf(a, "t1").state, OutboxState::kDelivered);
  EXPECT_EQ(EntryOf(a, "t1").attempts, 1);
  EXPECT_EQ(EntryOf(a, "t1").updated_ms, 101);
  EXPECT_EQ(DueIds(101), (std::vector<int64_t>{EntryOf(a, "t2").id, EntryOf(b, "t1").id}));
  store_->MarkNotificationDelivered(EntryOf(b, "t1").id, 102);
  store_->MarkNotificationDelivered(EntryOf(a, "t2").id, 102);
  EXPECT_EQ(DueIds(102), (std::vector<int64_t>{EntryOf(b, "t2").id, EntryOf(c, "t1").id}));
  EXPECT_EQ(DueIds(102, 1).size(), 1u);  // the limit
}

TEST_F(OutboxTest, AFailingHeadHoldsBackItsTargetButNoOther) {
  const int64_t a = DoneJob("a.zip", {Message("down", "a"), Message("up", "a")}, 10);
  const int64_t b = DoneJob("b.zip", {Message("down", "b"), Message("up", "b")}, 10);
  store_->MarkNotificationRetry(EntryOf(a, "down").id, 1000, "connection refused", 20);
  const OutboxEntry waiting = EntryOf(a, "down");
  EXPECT_EQ(waiting.state, OutboxState::kPending);
  EXPECT_EQ(waiting.attempts, 1);
  EXPECT_EQ(waiting.next_attempt_ms, 1000);
  EXPECT_EQ(waiting.last_error, "connection refused");
  EXPECT_EQ(waiting.updated_ms, 20);
  // b's entry for "down" is due, but waits behind a's: only "up" is served.
  EXPECT_EQ(DueIds(999), (std::vector<int64_t>{EntryOf(a, "up").id}));
  store_->MarkNotificationDelivered(EntryOf(a, "up").id, 30);
  EXPECT_EQ(DueIds(999), (std::vector<int64_t>{EntryOf(b, "up").id}));
  store_->MarkNotificationDelivered(EntryOf(b, "up").id, 31);
  EXPECT_TRUE(DueIds(999).empty());
  EXPECT_EQ(store_->NextNotificationDueMs(), 1000);  // b's "down" does not count
  EXPECT_EQ(DueIds(1000), (std::vector<int64_t>{EntryOf(a, "down").id}));
  store_->MarkNotificationDelivered(EntryOf(a, "down").id, 1001);
  EXPECT_EQ(store_->NextNotificationDueMs(), 10);
  EXPECT_EQ(DueIds(1001), (std::vector<int64_t>{EntryOf(b, "down").id}));
  store_->MarkNotificationDelivered(EntryOf(b, "down").id, 1002);
  EXPECT_FALSE(store_->NextNotificationDueMs());
}

TEST_F(OutboxTest, DueTimesOrderTheTargets) {
  const int64_t a = DoneJob("a.zip", {Message("t1", "a"), Message("t2", "a"), Message("t3", "a")});
  store_->MarkNotificationRetry(EntryOf(a, "t1").id, 300, "500", 20);
  store_->MarkNotificationRetry(EntryOf(a, "t2").id, 200, "500", 20);
  EXPECT_EQ(store_->NextNotificationDueMs(), 10);  // t3's, due since the job ended
  EXPECT_EQ(DueIds(199), (std::vector<int64_t>{EntryOf(a, "t3").id}));
  store_->MarkNotificationDelivered(EntryOf(a, "t3").id, 21);
  EXPECT_EQ(store_->NextNotificationDueMs(), 200);
  EXPECT_TRUE(DueIds(199).empty());
  EXPECT_EQ(DueIds(300), (std::vector<int64_t>{EntryOf(a, "t2").id, EntryOf(a, "t1").id}));
}

TEST_F(OutboxTest, ADeadHeadReleasesItsTargetAndAnOperatorRetryPutsItFirstAgain) {
  const int64_t a = DoneJob("a.zip", {Message("t", "a")});
  const int64_t b = DoneJob("b.zip", {Message("t", "b")});
  const int64_t dead = EntryOf(a, "t").id;
  store_->MarkNotificationRetry(dead, 50, "500", 20);
  store_->MarkNotificationDead(dead, "400 Bad Request", 60);
  OutboxEntry entry = *store_->GetNotification(dead);
  EXPECT_EQ(entry.state, OutboxState::kDead);
  EXPECT_EQ(entry.attempts, 2);
  EXPECT_EQ(entry.last_error, "400 Bad Request");
  EXPECT_EQ(entry.updated_ms, 60);
  EXPECT_EQ(DueIds(60), (std::vector<int64_t>{EntryOf(b, "t").id}));

  EXPECT_TRUE(store_->RetryNotification(dead, 70));
  entry = *store_->GetNotification(dead);
  EXPECT_EQ(entry.state, OutboxState::kPending);
  EXPECT_EQ(entry.attempts, 0);
  EXPECT_EQ(entry.next_attempt_ms, 70);
  EXPECT_EQ(entry.last_error, "400 Bad Request");       // why it was retried
  EXPECT_EQ(DueIds(70), (std::vector<int64_t>{dead}));  // ahead of b's again
  EXPECT_TRUE(DueIds(69).empty());

  EXPECT_FALSE(store_->RetryNotification(dead, 71));  // pending
  store_->MarkNotificationDelivered(dead, 72);
  EXPECT_FALSE(store_->RetryNotification(dead, 73));  // delivered
  EXPECT_FALSE(store_->RetryNotification(dead + 1000, 73));
}

TEST_F(OutboxTest, DeadLetterTargetEndsEveryPendingEntryOfThatTargetOnly) {
  const int64_t a = DoneJob("a.zip", {Message("gone", "a"), Message("ok", "a")});
  const int64_t b = DoneJob("b.zip", {Message("gone", "b"), Message("ok", "b")});
  store_->MarkNotificationRetry(EntryOf(a, "gone").id, 500, "503", 20);
  const int64_t c = DoneJob("c.zip", {Message("gone", "c")});
  store_->MarkNotificationDelivered(EntryOf(a, "gone").id, 30);  // before the target went
  store_->DeadLetterTarget("gone", "410 Gone", 40);
  for (int64_t job : {b, c}) {
    const OutboxEntry e = EntryOf(job, "gone");
    EXPECT_EQ(e.state, OutboxState::kDead);
    EXPECT_EQ(e.last_error, "410 Gone");
    EXPECT_EQ(e.updated_ms, 40);
    EXPECT_EQ(e.attempts, 0);  // never tried
  }
  EXPECT_EQ(EntryOf(a, "gone").state, OutboxState::kDelivered);
  EXPECT_EQ(EntryOf(a, "ok").state, OutboxState::kPending);
  EXPECT_EQ(DueIds(1000), (std::vector<int64_t>{EntryOf(a, "ok").id}));
  const auto counts = store_->CountNotificationsByState();
  EXPECT_EQ(counts.at(OutboxState::kDead), 2u);
  EXPECT_EQ(counts.at(OutboxState::kDelivered), 1u);
  EXPECT_EQ(counts.at(OutboxState::kPending), 2u);
}

TEST_F(OutboxTest, MarkingAnEntryThatIsNotPendingIsABug) {
  const int64_t a = DoneJob("a.zip", {Message("t", "a")});
  const int64_t id = EntryOf(a, "t").id;
  store_->MarkNotificationDelivered(id, 20);
  try {
    store_->MarkNotificationRetry(id, 100, "late", 21);
    FAIL() << "a delivered entry was retried";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    EXPECT_EQ(e.code(), "notification-not-pending");
  }
  EXPECT_THROW(store_->MarkNotificationDead(id, "x", 22), Error);
  EXPECT_THROW(store_->MarkNotificationDelivered(id + 99, 22), Error);
  const OutboxEntry entry = *store_->GetNotification(id);
  EXPECT_EQ(entry.state, OutboxState::kDelivered);
  EXPECT_EQ(entry.attempts, 1);
  EXPECT_FALSE(store_->GetNotification(id + 99));
}

TEST_F(OutboxTest, ListIsNewestFirstFilteredLimitedAndCountsIncludeZero) {
  auto counts = store_->CountNotificationsByState();
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [state, count] : counts) EXPECT_EQ(count, 0u) << OutboxStateName(state);
  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    const std::string name = std::to_string(i);
    ids.push_back(EntryOf(DoneJob(name + ".zip", {Message("t" + name, name)}), "t" + name).id);
  }
  store_->MarkNotificationDelivered(ids[0], 20);
  store_->MarkNotificationDead(ids[1], "x", 20);
  const auto all = store_->ListNotifications(std::nullopt, 100);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.front().id, ids[3]);
  EXPECT_EQ(all.back().id, ids[0]);
  EXPECT_EQ(store_->ListNotifications(std::nullopt, 3).size(), 3u);
  const auto pending = store_->ListNotifications(OutboxState::kPending, 100);
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].id, ids[3]);
  EXPECT_EQ(store_->ListNotifications(OutboxState::kDead, 100).at(0).id, ids[1]);
  EXPECT_EQ(store_->ListNotifications(OutboxState::kDelivered, 100).at(0).id, ids[0]);
  counts = store_->CountNotificationsByState();
  EXPECT_EQ(counts.at(OutboxState::kPending), 2u);
  EXPECT_EQ(counts.at(OutboxState::kDelivered), 1u);
  EXPECT_EQ(counts.at(OutboxState::kDead), 1u);
}

TEST_F(OutboxTest, StateNamesRoundTrip) {
  for (OutboxState state : {OutboxState::kPending, OutboxState::kDelivered, OutboxState::kDead}) {
    EXPECT_EQ(ParseOutboxState(OutboxStateName(state)), state);
  }
  EXPECT_EQ(std::string(OutboxStateName(OutboxState::kDead)), "dead");
  EXPECT_FALSE(ParseOutboxState("Pending"));
  EXPECT_FALSE(ParseOutboxState(""));
}

TEST_F(OutboxTest, EntriesSurviveReopeningAndACrashLosesNoPendingOne) {
  const int64_t a = DoneJob("a.zip", {Message("t", "a"), Message("u", "a")});
  store_->MarkNotificationRetry(EntryOf(a, "t").id, 5000, "503", 20);
  store_->MarkNotificationDelivered(EntryOf(a, "u").id, 21);
  const int64_t b = DoneJob("b.zip", {Message("u", "b")}, 22);
  const int64_t interrupted = RunningJob("c.zip");
  // The store goes away with a job running and entries pending, as when the process dies.
  store_.reset();
  store_ = OpenStore();
  EXPECT_EQ(store_->Get(interrupted)->state, JobState::kQueued);  // the job's recovery
  const OutboxEntry waiting = EntryOf(a, "t");
  EXPECT_EQ(waiting.state, OutboxState::kPending);
  EXPECT_EQ(waiting.attempts, 1);
  EXPECT_EQ(waiting.next_attempt_ms, 5000);  // recovery does not hurry a backed-off entry
  EXPECT_EQ(waiting.last_error, "503");
  EXPECT_EQ(EntryOf(a, "u").state, OutboxState::kDelivered);
  EXPECT_EQ(DueIds(100), (std::vector<int64_t>{EntryOf(b, "u").id}));
  EXPECT_EQ(DueIds(5000), (std::vector<int64_t>{EntryOf(b, "u").id, EntryOf(a, "t").id}));
  EXPECT_EQ(store_->CountNotificationsByState().at(OutboxState::kPending), 2u);
}

TEST_F(OutboxTest, AnOperatorRetriesBesideTheService) {
  const int64_t a = DoneJob("a.zip", {Message("t", "a")});
  const int64_t id = EntryOf(a, "t").id;
  store_->MarkNotificationDead(id, "too old", 20);
  auto operator_store = JobStore::OpenForOperator(dir_.path().string());
  EXPECT_EQ(operator_store->GetNotification(id)->state, OutboxState::kDead);
  EXPECT_EQ(operator_store->CountNotificationsByState().at(OutboxState::kDead), 1u);
  EXPECT_TRUE(operator_store->RetryNotification(id, 30));
  EXPECT_EQ(DueIds(30), (std::vector<int64_t>{id}));  // the service sees it at once
}

TEST_F(OutboxTest, PruneDeletesDeliveredEntriesAfterAWeek) {
  constexpr int64_t kDay = 24 * 3600 * 1000LL;
  const int64_t old = DoneJob("old.zip", {Message("t", "old")}, kDay);
  const int64_t recent = DoneJob("recent.zip", {Message("t", "recent")}, kDay);
  const int64_t dead = DoneJob("dead.zip", {Message("d", "dead")}, kDay);
  const int64_t pending = DoneJob("pending.zip", {Message("p", "pending")}, kDay);
  store_->MarkNotificationDelivered(EntryOf(old, "t").id, kDay);
  store_->MarkNotificationDelivered(EntryOf(recent, "t").id, 3 * kDay);
  store_->MarkNotificationDead(EntryOf(dead, "d").id, "gone", kDay);
  const int64_t old_entry = EntryOf(old, "t").id;
  EXPECT_EQ(store_->PruneDelivered(8 * kDay), 0u);  // exactly a week: kept
  EXPECT_EQ(store_->PruneDelivered(8 * kDay + 1), 1u);
  EXPECT_FALSE(store_->GetNotification(old_entry));
  EXPECT_EQ(store_->ListNotifications(std::nullopt, 10).size(), 3u);
  EXPECT_EQ(store_->PruneDelivered(100 * kDay), 1u);  // recent's, in time
  // Dead and pending entries are never pruned, however old.
  const auto counts = store_->CountNotificationsByState();
  EXPECT_EQ(counts.at(OutboxState::kDead), 1u);
  EXPECT_EQ(counts.at(OutboxState::kPending), 1u);
  EXPECT_EQ(counts.at(OutboxState::kDelivered), 0u);
  EXPECT_EQ(EntryOf(pending, "p").state, OutboxState::kPending);
}

TEST_F(OutboxTest, PruneKeepsOnlyTheNewestDeliveredEntries) {
  // More delivered entries than kept, written straight into the table (one transaction: ten
  // thousand Mark* calls would each sync).
  const int64_t job = DoneJob("a.zip", {Message("p", "pending")});
  store_.reset();
  constexpr int64_t kExtra = 5;
  const int64_t total = static_cast<int64_t>(JobStore::kDeliveredKeep) + kExtra;
  {
    SqliteConnection db((dir_.path() / "jobs.sqlite3").string(), false);
    db.Exec("BEGIN");
    SqliteStatement fill(db,
                         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
                         "i < ?2) INSERT INTO outbox (job_id, target, event_id, payload_json, "
                         "state, attempts, created_ms, updated_ms, next_attempt_ms) SELECT ?1, "
                         "'t', 'e' || i, '{}', 'delivered', 1, 100, 100, 100 FROM n");
    fill.Bind(1, job).Bind(2, total).Run();
    db.Exec("COMMIT");
  }
  store_ = OpenStore();
  const auto newest = store_->ListNotifications(OutboxState::kDelivered, 1).at(0).id;
  EXPECT_EQ(store_->PruneDelivered(200), static_cast<uint64_t>(kExtra));
  auto counts = store_->CountNotificationsByState();
  EXPECT_EQ(counts.at(OutboxState::kDelivered), JobStore::kDeliveredKeep);
  EXPECT_EQ(counts.at(OutboxState::kPending), 1u);
  const auto kept = store_->ListNotifications(OutboxState::kDelivered, 100'000);
  EXPECT_EQ(kept.front().id, newest);
  EXPECT_EQ(kept.back().id, newest - static_cast<int64_t>(JobStore::kDeliveredKeep) + 1);
  EXPECT_EQ(store_->PruneDelivered(200), 0u);
}

TEST_F(OutboxTest, AStoreFromBeforeTheOutboxGetsItWhenOpened) {
  const int64_t job = DoneJob("a.zip", {});
  store_.reset();
  const std::string path = (dir_.path() / "jobs.sqlite3").string();
  {
    // Schema version 1, as the unpackd before the outbox left it.
    SqliteConnection db(path, false);
    db.Exec("DROP TABLE outbox; PRAGMA user_version = 1");
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM sqlite_master WHERE name = 'outbox'"), 0);
  }
  store_ = OpenStore();
  EXPECT_EQ(store_->Get(job)->state, JobState::kDone);
  EXPECT_TRUE(store_->ListNotifications(std::nullopt, 10).empty());
  const int64_t next = DoneJob("b.zip", {Message("t", "b")});
  EXPECT_EQ(EntryOf(next, "t").state, OutboxState::kPending);
  store_.reset();
  SqliteConnection db(path, false);
  EXPECT_EQ(db.QueryInt("PRAGMA user_version"), kJobStoreSchemaVersion);
  EXPECT_EQ(kJobStoreSchemaVersion, 2);
  // Its unique (target, event id) came with it.
  EXPECT_EQ(db.QueryInt("SELECT count(*) FROM sqlite_master WHERE name = 'outbox_event'"), 1);
}

}  // namespace
}  // namespace unpackd
