// TaskPool: a fixed set of worker threads running submitted tasks in FIFO order. The S3 store
// uses one to upload multipart parts concurrently.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace unpackd::s3 {

class TaskPool {
 public:
  explicit TaskPool(size_t threads);
  // Runs every task already submitted, then joins the workers.
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Queues `task`. Tasks must not throw (they report failures through their own state) and
  // must not wait for other tasks of the same pool. Thread-safe.
  void Submit(std::function<void()> task);

 private:
  void Work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace unpackd::s3
