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
  // A read still in flight writes into buffers_; wait for it (and drop any error) before they
  // go away.
  if (pending_.valid()) {
    try {
      pending_.get();
    } catch (...) {
    }
  }
}

void ReadAheadSource::Fetch(std::span<std::byte> into, uint64_t offset) {
  const size_t got = source_.ReadAt(offset, into);
  if (got < into.size()) {
    throw Error(ErrorKind::kArchiveRefused, "archive is truncated: member data ends at byte " +
                                                std::to_string(offset + got) + " of " +
                                                std::to_string(source_.size()));
  }
}

void ReadAheadSource::StartNext() {
  if (next_offset_ >= end_) return;
  const auto n = static_cast<size_t>(std::min<uint64_t>(chunk_size_, end_ - next_offset_));
  const uint64_t offset = next_offset_;
  next_offset_ += n;
  // Sized here, on the consumer's thread, and reused chunk after chunk: the I/O task only
  // fills it, so no chunk-sized allocation happens per read or on an I/O thread.
  std::vector<std::byte>& buffer = buffers_[filling_];
  buffer.resize(n);
  auto ready = std::make_shared<std::promise<void>>();
  pending_ = ready->get_future();
  auto fetch = [this, ready, into = std::span(buffer), offset] {
    try {
      Fetch(into, offset);
      ready->set_value();
    } catch (...) {
      ready->set_exception(std::current_exception());
    }
  };
  // Small members are read inline: a hand-off per tiny read costs more than it hides.
  if (n < chunk_size_ && !started_) {
    fetch();
  } else {
    executor_.Submit(Lane::kIo, std::move(fetch));
  }
  started_ = true;
}

std::span<const std::byte> ReadAheadSource::Next() {
  if (!pending_.valid()) return {};
  pending_.get();
  const int ready = filling_;
  filling_ ^= 1;
  StartNext();  // fills the other buffer while the caller works on this one
  return buffers_[ready];
}

}  // namespace unpackd
