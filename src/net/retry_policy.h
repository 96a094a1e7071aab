// RetryPolicy: how often and how patiently S3 requests are retried.
//
// Exponential backoff with "full jitter" (the delay before retry n is uniform in
// [0, min(max_delay, base_delay * 2^n)]), which AWS recommends so that many clients
// throttled together do not retry in lockstep.
#pragma once

#include <chrono>
#include <random>

namespace unpackd::net {

struct RetryPolicy {
  int max_attempts = 8;  // total tries including the first; 1 disables retries
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{20'000};

  // The pause before retry number `retry` (0 for the first retry). Thread-safe if each thread
  // passes its own generator.
  std::chrono::milliseconds Backoff(int retry, std::mt19937_64& random) const;
};

}  // namespace unpackd::net
