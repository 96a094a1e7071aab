// A one-line progress bar on stderr, shown only when stderr is a terminal.
#pragma once

#include <chrono>
#include <mutex>

#include "pipeline/extractor.h"

namespace unpackd {

class ProgressBar {
 public:
  // Enabled only if `enabled` and stderr is a TTY.
  explicit ProgressBar(bool enabled);
  ~ProgressBar();

  // Thread-safe; redraws at most ten times a second.
  void Update(const ExtractProgress& progress);

  bool active() const { return active_; }

 private:
  bool active_;
  bool drawn_ = false;
  std::mutex mu_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace unpackd
