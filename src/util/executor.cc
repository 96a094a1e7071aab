#include "util/executor.h"

namespace unpackd {

Executor::Executor(const ExecutorShape& shape)
    : service_(shape.service_threads), members_(shape.member_threads), io_(shape.io_threads) {}

Executor::~Executor() {
  // Callers before callees: a service task may still queue members, a member I/O.
  for (LaneState* lane : {&service_, &members_, &io_}) {
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
  LaneState& state = this->*StateFor(lane);
  {
    MutexLock lock(state.mutex);
    state.tasks.push_back(std::move(task));
    // More tasks queued than idle threads to take them, and room for one more: start it (it
    // takes a task at once). An idle thread counts until it wakes, so in a burst each one is
    // counted for one task, not for all of them.
    if (state.tasks.size() > state.idle && state.threads.size() < state.max_threads) {
      state.threads.emplace_back([this, &state] { Work(state); });
      return;
    }
  }
  state.wake.NotifyOne();
}

size_t Executor::threads(Lane lane) const { return (this->*StateFor(lane)).max_threads; }

Executor::LaneState Executor::*Executor::StateFor(Lane lane) {
  switch (lane) {
    case Lane::kMembers:
      return &Executor::members_;
    case Lane::kIo:
      return &Executor::io_;
    case Lane::kService:
      break;
  }
  return &Executor::service_;
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
