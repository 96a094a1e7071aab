#include "util/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "util/error.h"
#include "util/mutex.h"
#include "util/task_group.h"

namespace unpackd {
namespace {

TEST(ExecutorTest, RunsEveryTaskOnItsLaneThreads) {
  std::atomic<int> ran{0};
  Mutex mu;
  std::set<std::thread::id> member_threads;
  {
    Executor executor({3, 2});
    EXPECT_EQ(executor.threads(Lane::kMembers), 3u);
    EXPECT_EQ(executor.threads(Lane::kIo), 2u);
    for (int i = 0; i < 100; ++i) {
      executor.Submit(Lane::kMembers, [&] {
        MutexLock lock(mu);
        member_threads.insert(std::this_thread::get_id());
        ++ran;
      });
      executor.Submit(Lane::kIo, [&] { ++ran; });
    }
  }  // the destructor drains both lanes
  EXPECT_EQ(ran.load(), 200);
  MutexLock lock(mu);
  EXPECT_LE(member_threads.size(), 3u);
  EXPECT_EQ(member_threads.count(std::this_thread::get_id()), 0u);
}

// Every member-lane thread blocks on I/O it submitted: the I/O lane still runs it, so the
// waits end. With one shared pool this would deadlock as soon as members filled it.
TEST(ExecutorTest, MembersWaitingOnIoNeverStarveIt) {
  Executor executor({4, 1});
  TaskGroup group(executor, Lane::kMembers);
  std::atomic<int> done{0};
  for (int m = 0; m < 16; ++m) {
    group.Run([&] {
      for (int chunk = 0; chunk < 3; ++chunk) {
        std::promise<int> read;
        auto result = read.get_future();
        executor.Submit(Lane::kIo, [&read, chunk] { read.set_value(chunk); });
        ASSERT_EQ(result.get(), chunk);
      }
      ++done;
    });
  }
  group.Wait();
  EXPECT_EQ(done.load(), 16);
}

// A burst submitted while one thread of the lane sits idle: that thread is woken for one task,
// and the lane starts threads for the rest. Counting it as free for every task of the burst
// (it had not yet woken to take the first) left a 64-wide extraction on one thread.
TEST(ExecutorTest, ABurstAfterAnIdleSpellGetsEveryThread) {
  constexpr int kTasks = 4;
  Executor executor({kTasks, 1});
  TaskGroup warm_up(executor, Lane::kMembers);
  warm_up.Run([] {});
  warm_up.Wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // its thread is idle now

  Mutex mu;
  CondVar all_in;
  int inside = 0;
  int saw_everyone = 0;
  TaskGroup burst(executor, Lane::kMembers);
  for (int i = 0; i < kTasks; ++i) {
    burst.Run([&] {
      MutexLock lock(mu);
      ++inside;
      all_in.NotifyAll();
      // Every task waits for all of them to be running at once (bounded: a lane short of
      // threads runs them one by one, each giving up after the wait).
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (inside < kTasks && std::chrono::steady_clock::now() < deadline) {
        all_in.WaitUntil(mu, deadline);
      }
      if (inside == kTasks) ++saw_everyone;
    });
  }
  burst.Wait();
  EXPECT_EQ(saw_everyone, kTasks);
}

TEST(TaskGroupTest, WaitRethrowsTheFirstErrorAfterEveryTaskEnded) {
  Executor executor({2, 1});
  std::atomic<int> finished{0};
  TaskGroup group(executor, Lane::kMembers);
  group.Run([] { throw Error(ErrorKind::kIo, "first", "io-code"); });
  for (int i = 0; i < 10; ++i) {
    group.Run([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      ++finished;
    });
  }
  try {
    group.Wait();
    FAIL() << "the error was lost";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_EQ(e.code(), "io-code");
  }
  EXPECT_EQ(finished.load(), 10);
}

TEST(ErrorTest, ContextKeepsKindAndCode) {
  const Error e =
      Error(ErrorKind::kNotFound, "HeadObject failed", "NoSuchBucket").WithContext("bucket/key");
  EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  EXPECT_EQ(e.code(), "NoSuchBucket");
  EXPECT_STREQ(e.what(), "bucket/key: HeadObject failed");
  EXPECT_EQ(ErrorKindName(ErrorKind::kCancelled), "cancelled");
}

}  // namespace
}  // namespace unpackd
