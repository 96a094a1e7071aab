#include "cli/progress_bar.h"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace unpackd {

ProgressBar::ProgressBar(bool enabled) : active_(enabled && isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputs("\n", stderr);
}

void ProgressBar::Update(const ExtractProgress& p) {
  if (!active_) return;
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  const bool last = p.members_done == p.members_total;
  if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const double fraction =
      p.bytes_total ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total)
                    : (p.members_total ? static_cast<double>(p.members_done) / p.members_total : 1);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(std::clamp(filled, 0, kWidth)), '#');
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "\r[%s] %3d%%  %.1f/%.1f MiB  %llu/%llu files", bar.c_str(),
               static_cast<int>(fraction * 100), static_cast<double>(p.bytes_done) / (1 << 20),
               static_cast<double>(p.bytes_total) / (1 << 20),
               static_cast<unsigned long long>(p.members_done),
               static_cast<unsigned long long>(p.members_total));
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace unpackd
