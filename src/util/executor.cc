#include "util/executor.h"

#include <algorithm>

namespace unpackd {

Executor::Executor(const ExecutorShape& shape) {
  for (size_t i = 0; i < std::max<size_t>(1, shape.member_threads); ++i) {
    members_.threads.emplace_back([this] { Work(members_); });
  }
  for (size_t i = 0; i < std::max<size_t>(1, shape.io_threads); ++i) {
    io_.threads.emplace_back([this] { Work(io_); });
  }
}

Executor::~Executor() {
  // Members first: their tasks may still queue I/O, which the I/O lane then drains.
  for (LaneState* lane : {&members_, &io_}) {
    {
      MutexLock lock(lane->mutex);
      lane->stopping = true;
    }
    lane->wake.NotifyAll();
    for (auto& thread : lane->threads) thread.join();
  }
}

void Executor::Submit(Lane lane, std::function<void()> task) {
  LaneState& state = StateOf(lane);
  {
    MutexLock lock(state.mutex);
    state.tasks.push_back(std::move(task));
  }
  state.wake.NotifyOne();
}

size_t Executor::threads(Lane lane) const {
  return (lane == Lane::kMembers ? members_ : io_).threads.size();
}

void Executor::Work(LaneState& lane) {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(lane.mutex);
      while (lane.tasks.empty() && !lane.stopping) lane.wake.Wait(lane.mutex);
      if (lane.tasks.empty()) return;  // stopping and drained
      task = std::move(lane.tasks.front());
      lane.tasks.pop_front();
    }
    task();
  }
}

}  // namespace unpackd
