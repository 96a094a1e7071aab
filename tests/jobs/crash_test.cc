// kill -9 at any moment: a child process enqueues, claims and finishes jobs in a loop and
// reports each acknowledged Enqueue on a pipe; the parent kills it mid-loop, reopens the
// store and checks that every acknowledged job is there exactly once, and that nothing is
// left running.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
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
        if (auto job = store->ClaimNext(i)) store->MarkDone(job->id, "{}", i);
      }
    }
  } catch (...) {
    _exit(2);
  }
}

TEST(JobStoreCrashTest, KilledMidLoopLosesNoAcknowledgedJob) {
  testing::TempDir dir;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      read_end.reset();
      EnqueueForever((dir.path() / std::to_string(round)).string(), write_end.get());
    }
    write_end.reset();
    // Let it get well into the loop, then kill it without warning; a different moment each
    // round.
    std::set<int> acked;
    int value = 0;
    const int target = 40 + 37 * round;
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

    auto store = JobStore::Open((dir.path() / std::to_string(round)).string());
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

}  // namespace
}  // namespace unpackd
