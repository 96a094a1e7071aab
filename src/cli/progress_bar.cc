#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace unpackd {

ProgressBar::ProgressBar(bool enabled) : active_(enabled && isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  MutexLock lock(mu_);
  if (drawn_) std::fputs("\n", stderr);
}

void ProgressBar::OnProgress(const ProgressEvent& event) noexcept {
  if (!active_) return;
  MutexLock lock(mu_);
  using Kind = ProgressEvent::Kind;
  switch (event.kind) {
    case Kind::kJobStarted:
      members_total_ = event.members_total;
      bytes_total_ = event.bytes_total;
      break;
    case Kind::kBytes:
      bytes_done_ += event.bytes;
      break;
    case Kind::kMemberFinished:
      ++members_done_;
      // Reused or skipped members count as done without passing through the copy loop.
      if (event.outcome != ProgressEvent::Outcome::kWritten) bytes_done_ += event.bytes;
      break;
    default:
      return;
  }
  const auto now = std::chrono::steady_clock::now();
  const bool last = members_done_ == members_total_;
  if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Draw() {
  constexpr int kWidth = 30;
  const double fraction =
      bytes_total_     ? static_cast<double>(bytes_done_) / static_cast<double>(bytes_total_)
      : members_total_ ? static_cast<double>(members_done_) / static_cast<double>(members_total_)
                       : 1;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(std::clamp(filled, 0, kWidth)), '#');
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "\r[%s] %3d%%  %.1f/%.1f MiB  %llu/%llu files", bar.c_str(),
               static_cast<int>(fraction * 100), static_cast<double>(bytes_done_) / (1 << 20),
               static_cast<double>(bytes_total_) / (1 << 20),
               static_cast<unsigned long long>(members_done_),
               static_cast<unsigned long long>(members_total_));
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace unpackd
