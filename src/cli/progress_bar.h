// A one-line progress bar on stderr, shown only when stderr is a terminal: a ProgressSink.
#pragma once

#include <chrono>
#include <cstdint>

#include "extract/progress.h"
#include "util/mutex.h"

namespace unpackd {

class ProgressBar final : public ProgressSink {
 public:
  // Enabled only if `enabled` and stderr is a TTY.
  explicit ProgressBar(bool enabled);
  ~ProgressBar() override;

  // Thread-safe; redraws at most ten times a second.
  void OnProgress(const ProgressEvent& event) noexcept override;

  bool active() const { return active_; }

 private:
  void Draw() REQUIRES(mu_);

  const bool active_;
  Mutex mu_;
  bool drawn_ GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point last_draw_ GUARDED_BY(mu_){};
  uint64_t bytes_done_ GUARDED_BY(mu_) = 0;
  uint64_t bytes_total_ GUARDED_BY(mu_) = 0;
  uint64_t members_done_ GUARDED_BY(mu_) = 0;
  uint64_t members_total_ GUARDED_BY(mu_) = 0;
};

}  // namespace unpackd
