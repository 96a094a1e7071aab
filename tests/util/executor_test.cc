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
