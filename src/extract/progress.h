// Progress of an extraction as a stream of events. The progress bar, logs and metrics are
// sinks; the job knows none of them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace unpackd {

struct ProgressEvent {
  enum class Kind {
    kJobStarted,      // members_total, bytes_total are set
    kMemberStarted,   // member, name
    kBytes,           // bytes: content bytes just written for `member`
    kMemberFinished,  // member, name, outcome, bytes (content size, or skipped bytes)
    kJobFinished,     // outcome: kWritten (extracted), kReused (already complete), kCancelled
  };
  enum class Outcome : uint8_t { kNone, kWritten, kReused, kSkipped, kFailed, kCancelled };

  Kind kind = Kind::kJobStarted;
  Outcome outcome = Outcome::kNone;
  uint32_t member = 0;  // entry index in the archive
  std::string name;     // the member's path
  uint64_t bytes = 0;
  uint64_t members_total = 0;
  uint64_t bytes_total = 0;

  static ProgressEvent JobStarted(uint64_t members_total, uint64_t bytes_total) {
    ProgressEvent e;
    e.members_total = members_total;
    e.bytes_total = bytes_total;
    return e;
  }
  static ProgressEvent MemberStarted(uint32_t member, std::string name) {
    ProgressEvent e;
    e.kind = Kind::kMemberStarted;
    e.member = member;
    e.name = std::move(name);
    return e;
  }
  static ProgressEvent Bytes(uint32_t member, uint64_t bytes) {
    ProgressEvent e;
    e.kind = Kind::kBytes;
    e.member = member;
    e.bytes = bytes;
    return e;
  }
  static ProgressEvent MemberFinished(uint32_t member, std::string name, Outcome outcome,
                                      uint64_t bytes) {
    ProgressEvent e = MemberStarted(member, std::move(name));
    e.kind = Kind::kMemberFinished;
    e.outcome = outcome;
    e.bytes = bytes;
    return e;
  }
  static ProgressEvent JobFinished(Outcome outcome) {
    ProgressEvent e;
    e.kind = Kind::kJobFinished;
    e.outcome = outcome;
    return e;
  }
};

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // Called from the job's worker threads, concurrently: implementations must be thread-safe
  // and quick (they run inside the copy loop). Must not throw.
  virtual void OnProgress(const ProgressEvent& event) noexcept = 0;
};

}  // namespace unpackd
