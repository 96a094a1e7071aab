#include "io/read_ahead_source.h"

#include <algorithm>

#include "util/error.h"

namespace unpackd {

ReadAheadSource::ReadAheadSource(RandomAccessSource& source, uint64_t offset, uint64_t size,
                                 size_t chunk_size, Executor& executor)
    : source_(source),
      executor_(executor),
      next_offset_(offset),
      end_(offset + size),
      chunk_size_(std::max<size_t>(chunk_size, 4096)) {
  StartNext();
}

ReadAheadSource::~ReadAheadSource() {
  // A read still in flight references source_; wait for it (and drop any error) before the
  // members it uses go away.
  if (pending_.valid()) {
    try {
      pending_.get();
    } catch (...) {
    }
  }
}

std::vector<std::byte> ReadAheadSource::Fetch(uint64_t offset, size_t n) {
  std::vector<std::byte> buf(n);
  const size_t got = source_.ReadAt(offset, buf);
  if (got < n) {
    throw Error(ErrorKind::kArchiveRefused, "archive is truncated: member data ends at byte " +
                                                std::to_string(offset + got) + " of " +
                                                std::to_string(source_.size()));
  }
  return buf;
}

void ReadAheadSource::StartNext() {
  if (next_offset_ >= end_) return;
  const auto n = static_cast<size_t>(std::min<uint64_t>(chunk_size_, end_ - next_offset_));
  const uint64_t offset = next_offset_;
  next_offset_ += n;
  auto ready = std::make_shared<std::promise<std::vector<std::byte>>>();
  pending_ = ready->get_future();
  auto fetch = [this, ready, offset, n] {
    try {
      ready->set_value(Fetch(offset, n));
    } catch (...) {
      ready->set_exception(std::current_exception());
    }
  };
  // Small members are read inline: a hand-off per tiny read costs more than it hides.
  if (n < chunk_size_ && current_.empty()) {
    fetch();
  } else {
    executor_.Submit(Lane::kIo, std::move(fetch));
  }
}

std::span<const std::byte> ReadAheadSource::Next() {
  if (!pending_.valid()) {
    current_.clear();
    return {};
  }
  current_ = pending_.get();
  StartNext();
  return current_;
}

}  // namespace unpackd
