#include "jobs/job_retry.h"

#include <algorithm>

namespace unpackd {

int64_t BackoffDelayMs(int attempts, double jitter) {
  if (!(jitter >= 0.0)) jitter = 0.0;  // NaN too: it compares false with everything
  jitter = std::min(jitter, 1.0);
  // Doubling stops once the cap is reached, so a huge `attempts` cannot overflow the shift.
  int64_t step = kBackoffBaseMs;
  for (int i = 1; i < attempts && step < kBackoffCapMs; ++i) step *= 2;
  step = std::min(step, kBackoffCapMs);
  const int64_t half = step / 2;
  return half + static_cast<int64_t>(jitter * static_cast<double>(step - half));
}

std::optional<int64_t> NextAttemptMs(int attempts, int64_t now_ms, double jitter) {
  if (attempts >= kMaxJobAttempts) return std::nullopt;
  return now_ms + BackoffDelayMs(attempts, jitter);
}

}  // namespace unpackd
