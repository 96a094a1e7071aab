#include "net/retry_policy.h"

#include <algorithm>

namespace unpackd::net {

namespace {

// Full jitter: uniform in [0, min(cap, base * 2^retry)].
std::chrono::milliseconds FullJitter(int retry, std::chrono::milliseconds base_delay,
                                     std::chrono::milliseconds cap_delay, std::mt19937_64& random) {
  const int shift = std::clamp(retry, 0, 30);
  const long long base = std::max<long long>(0, base_delay.count());
  const long long cap = std::max<long long>(0, cap_delay.count());
  const long long ceiling = std::min(cap, base << shift);
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<long long> pick(0, ceiling);
  return std::chrono::milliseconds(pick(random));
}

}  // namespace

std::chrono::milliseconds RetryPolicy::Backoff(int retry, std::mt19937_64& random) const {
  return FullJitter(retry, base_delay, max_delay, random);
}

std::chrono::milliseconds RetryPolicy::ProbeBackoff(int probe, std::mt19937_64& random) const {
  return FullJitter(probe, base_delay, std::min(max_delay, max_probe_delay), random);
}

}  // namespace unpackd::net
