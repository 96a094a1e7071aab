// kill -9 at any moment: a child process enqueues, claims and finishes jobs in a loop and
// reports each acknowledged Enqueue on a pipe; the parent kills it mid-loop, reopens the
// store and checks that every acknowledged job is there exactly once, and that nothing is
// left running. The same for a job's end and its notifications (the outbox): after the kill,
// every done job has all its notification entries and no other job has any.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "jobs/job_store.h"
#include "support/temp_dir.h"
#include "util/unique_fd.h"

namespace unpackd {
namespace {

JobRequest Numbered(int i) {
  JobRequest r;
  r.bucket = "bkt";
  r.key = "k/" + std::to_string(i) + ".zip";
  r.etag = "etag-" + std::to_string(i);
  r.sequencer = std::to_string(i);  // decimal digits are hex digits too
  return r;
}

// The child: never returns. Enqueues job i (twice: a redelivery), writes i to `ack` once
// Enqueue returned, and claims and finishes every other job, so all kinds of transaction are
// in flight when the kill lands.
[[noreturn]] void EnqueueForever(const std::string& dir, int ack) {
  try {
    auto store = JobStore::Open(dir);
    for (int i = 0;; ++i) {
      store->Enqueue(Numbered(i), i);
      store->Enqueue(Numbered(i), i);
      if (::write(ack, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) _exit(3);
      if (i % 2 == 0) {
        if (auto job = store->ClaimNext(i)) store->MarkDone(job->id, "{}", {}, i);
      }
    }
  } catch (...) {
    _exit(2);
  }
}

// The child: never returns. Enqueues and claims job i, ends it with two notifications, and
// writes i to `ack` once MarkDone returned.
[[noreturn]] void FinishForever(const std::string& dir, int ack) {
  try {
    auto store = JobStore::Open(dir);
    for (int i = 0;; ++i) {
      const int64_t id = store->Enqueue(Numbered(i), i).job_id;
      if (!store->ClaimNext(i)) _exit(4);
      const std::string event = "job-" + std::to_string(id) + ".succeeded";
      store->MarkDone(id, "{}", {{"backend", event, "{}"}, {"slack", event, "{}"}}, i);
      if (::write(ack, &i, sizeof i) != static_cast<ssize_t>(sizeof i)) _exit(3);
    }
  } catch (...) {
    _exit(2);
  }
}

// Runs `loop(dir, ack)` in a child process, lets it acknowledge `target` steps on the pipe
// `ack`, then kills it without warning (SIGKILL) and fills `acked` with every step it
// acknowledged, those still in the pipe included.
void KillMidLoop(const std::string& dir, void (*loop)(const std::string&, int), int target,
                 std::set<int>& acked) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    read_end.reset();
    loop(dir, write_end.get());
    _exit(5);  // loops never return
  }
  write_end.reset();
  int value = 0;
  while (static_cast<int>(acked.size()) < target &&
         ::read(read_end.get(), &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
    acked.insert(value);
  }
  ASSERT_EQ(static_cast<int>(acked.size()), target) << "the child stopped early";
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  // Acknowledgements written before the kill are still in the pipe.
  while (::read(read_end.get(), &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
    acked.insert(value);
  }
}

TEST(JobStoreCrashTest, KilledMidLoopLosesNoAcknowledgedJob) {
  testing::TempDir dir;
  for (int round = 0; round < 3; ++round) {
    const std::string state = (dir.path() / std::to_string(round)).string();
    // Well into the loop; a different moment each round.
    std::set<int> acked;
    ASSERT_NO_FATAL_FAILURE(KillMidLoop(state, EnqueueForever, 40 + 37 * round, acked));

    auto store = JobStore::Open(state);
    const auto jobs = store->List(std::nullopt, 1'000'000);
    std::set<std::string> keys;
    for (const JobRecord& job : jobs) {
      EXPECT_TRUE(keys.insert(job.request.key).second) << "two jobs for " << job.request.key;
      EXPECT_NE(job.state, JobState::kRunning) << "job " << job.id << " left running";
    }
    for (int i : acked) {
      EXPECT_TRUE(keys.count(Numbered(i).key)) << "acknowledged job " << i << " lost";
    }
    EXPECT_LE(acked.size(), jobs.size());
    EXPECT_LE(jobs.size(), acked.size() + 1) << "at most the unacknowledged last one extra";
  }
}

TEST(OutboxCrashTest, KilledMidLoopKeepsEachEndWithItsNotifications) {
  testing::TempDir dir;
  for (int round = 0; round < 3; ++round) {
    const std::string state = (dir.path() / std::to_string(round)).string();
    std::set<int> acked;
    ASSERT_NO_FATAL_FAILURE(KillMidLoop(state, FinishForever, 30 + 23 * round, acked));

    auto store = JobStore::Open(state);
    std::map<int64_t, int> entries_of;  // job id -> its entries
    for (const OutboxEntry& e : store->ListNotifications(std::nullopt, 1'000'000)) {
      EXPECT_EQ(e.state, OutboxState::kPending);
      ++entries_of[e.job_id];
    }
    std::set<std::string> done_keys;
    for (const JobRecord& job : store->List(std::nullopt, 1'000'000)) {
      // Together or not at all: a done job has both entries, any other job none.
      EXPECT_EQ(entries_of[job.id], job.state == JobState::kDone ? 2 : 0)
          << "job " << job.id << " is " << JobStateName(job.state);
      entries_of.erase(job.id);
      if (job.state == JobState::kDone) done_keys.insert(job.request.key);
    }
    EXPECT_TRUE(entries_of.empty()) << "notifications of a job that is not there";
    for (int i : acked) {
      EXPECT_TRUE(done_keys.count(Numbered(i).key)) << "acknowledged end " << i << " lost";
    }
    EXPECT_EQ(store->DueNotifications(1'000'000, 10).size(), 2u);  // one a target
  }
}

}  // namespace
}  // namespace unpackd
