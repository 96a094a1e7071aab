#include "util/executor.h"

namespace unpackd {

Executor::Executor(const ExecutorShape& shape)
    : members_(shape.member_threads), io_(shape.io_threads) {}

Executor::~Executor() {
  // Members first: their tasks may still queue I/O, which the I/O lane then drains.
  for (LaneState* lane : {&members_, &io_}) {
    std::vector<std::thread> threads;
    {
      MutexLock lock(lane->mutex);
      lane->stopping = true;
      threads.swap(lane->threads);
    }
    lane->wake.NotifyAll();
    for (auto& thread : threads) thread.join();
  }
}

void Executor::Submit(Lane lane, std::function<void()> task) {
  LaneState& state = StateOf(lane);
  {
    MutexLock lock(state.mutex);
    state.tasks.push_back(std::move(task));
    // Every thread busy and room for one more: start it (it takes the task at once).
    if (state.idle == 0 && state.threads.size() < state.max_threads) {
      state.threads.emplace_back([this, &state] { Work(state); });
      return;
    }
  }
  state.wake.NotifyOne();
}

size_t Executor::threads(Lane lane) const {
  return (lane == Lane::kMembers ? members_ : io_).max_threads;
}

void Executor::Work(LaneState& lane) {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(lane.mutex);
      while (lane.tasks.empty() && !lane.stopping) {
        ++lane.idle;
        lane.wake.Wait(lane.mutex);
        --lane.idle;
      }
      if (lane.tasks.empty()) return;  // stopping and drained
      task = std::move(lane.tasks.front());
      lane.tasks.pop_front();
    }
    task();
  }
}

}  // namespace unpackd
