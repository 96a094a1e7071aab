// Executor: the one place where unpackd's worker threads are born and owned. Everything that
// runs concurrently (archive members, read-ahead of ranges, multipart part uploads) is a task
// submitted here; no other code starts a thread.
//
// Tasks run on lanes, each with threads of its own and FIFO order:
//   kMembers - work that may block on other tasks (a member waits for its read-ahead chunk and
//              for its part uploads to drain within the memory budget);
//   kIo      - leaf work that never waits for another task: one range read, one part upload;
//   kService - long-lived work of a service that waits on whole jobs: a job worker, an event
//              source's loop, an HTTP connection. Nothing below it ever waits on it.
// Because an I/O task never waits on a member task, members blocked on I/O can never starve
// the I/O they wait for, and likewise members never starve the jobs above them: no deadlock,
// whatever the thread counts. A lane starts its threads
// as work arrives, up to its size, so a run that needs few (an archive of small members, read
// inline) never pays for the rest.
//
// Thread safety: every method may be called from any thread, including from tasks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "util/mutex.h"

namespace unpackd {

enum class Lane { kMembers, kIo, kService };

// The most threads each lane may run (at least 1).
struct ExecutorShape {
  size_t member_threads = 1;
  size_t io_threads = 1;
  size_t service_threads = 1;
};

class Executor {
 public:
  explicit Executor(const ExecutorShape& shape);
  // Runs every task already submitted, then joins the threads: service tasks first (they wait
  // on members), then members (they may still queue I/O), then I/O. A long-lived task must
  // have been told to stop before, or this waits for it.
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task` on `lane`. Tasks must not throw (they report failures through their own
  // state: a promise, a TaskGroup); one that does terminates the process, as a bug would.
  void Submit(Lane lane, std::function<void()> task);

  // The most threads `lane` may run.
  size_t threads(Lane lane) const;

 private:
  struct LaneState {
    explicit LaneState(size_t max) : max_threads(std::max<size_t>(1, max)) {}
    const size_t max_threads;
    Mutex mutex;
    CondVar wake;
    std::deque<std::function<void()>> tasks GUARDED_BY(mutex);
    size_t idle GUARDED_BY(mutex) = 0;  // threads waiting for a task
    bool stopping GUARDED_BY(mutex) = false;
    std::vector<std::thread> threads GUARDED_BY(mutex);
  };
  void Work(LaneState& lane);
  static LaneState Executor::*StateFor(Lane lane);

  LaneState service_;
  LaneState members_;
  LaneState io_;
};

}  // namespace unpackd
