#include "extract/write_pipe.h"

#include <exception>

#include "util/error.h"

namespace unpackd {

WritePipe::WritePipe(ObjectStore& store, Executor& executor, size_t max_buffered)
    : store_(store),
      max_buffered_(std::max<size_t>(max_buffered, 1)),
      task_(executor, Lane::kMembers) {
  task_.Run([this] { Drain(); });
}

WritePipe::~WritePipe() {
  if (!finished_) Abort();
}

void WritePipe::ThrowIfFailed() {
  if (failed_) std::rethrow_exception(error_);
}

void WritePipe::Push(Op op) {
  MutexLock lock(mu_);
  // One op may exceed the bound alone (a chunk larger than it): wait only while others wait.
  while (!failed_ && buffered_ > 0 && buffered_ + op.data.size() > max_buffered_) {
    changed_.Wait(mu_);
  }
  ThrowIfFailed();
  buffered_ += op.data.size();
  queue_.push_back(std::move(op));
  changed_.NotifyAll();
}

void WritePipe::Begin(const ObjectRef& dest, const WriteOptions& options) {
  Push(Op{Op::Kind::kBegin, dest, options, {}});
}

void WritePipe::Append(std::span<const std::byte> data) {
  if (data.empty()) return;
  Push(Op{Op::Kind::kData, {}, {}, std::vector<std::byte>(data.begin(), data.end())});
}

void WritePipe::Commit() { Push(Op{Op::Kind::kCommit, {}, {}, {}}); }

void WritePipe::Finish() {
  {
    MutexLock lock(mu_);
    closing_ = true;
    changed_.NotifyAll();
  }
  finished_ = true;
  task_.Wait();
  MutexLock lock(mu_);
  ThrowIfFailed();
}

void WritePipe::Abort() noexcept {
  {
    MutexLock lock(mu_);
    aborting_ = closing_ = true;
    changed_.NotifyAll();
  }
  finished_ = true;
  try {
    task_.Wait();
  } catch (...) {  // Drain reports through error_; nothing else throws
  }
}

std::vector<std::string> WritePipe::Committed() {
  MutexLock lock(mu_);
  return committed_;
}

void WritePipe::Drain() {
  std::unique_ptr<ObjectWriter> writer;
  ObjectRef dest;
  for (;;) {
    Op op;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !closing_ && !aborting_) changed_.Wait(mu_);
      if (aborting_ || failed_ || queue_.empty()) break;
      op = std::move(queue_.front());
      queue_.pop_front();
      buffered_ -= op.data.size();
      changed_.NotifyAll();
    }
    try {
      switch (op.kind) {
        case Op::Kind::kBegin:
          dest = op.dest;
          writer = store_.NewWriter(op.dest, op.options);
          break;
        case Op::Kind::kData:
          writer->Append(op.data);
          break;
        case Op::Kind::kCommit: {
          writer->Commit();
          writer.reset();
          MutexLock lock(mu_);
          committed_.push_back(dest.key);
          break;
        }
      }
    } catch (...) {
      MutexLock lock(mu_);
      failed_ = true;
      error_ = std::current_exception();
      changed_.NotifyAll();
      break;
    }
  }
  if (writer) writer->Abort();
  MutexLock lock(mu_);
  queue_.clear();
  buffered_ = 0;
  changed_.NotifyAll();
}

}  // namespace unpackd
