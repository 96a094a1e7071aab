#include "net/retry_policy.h"

#include <algorithm>

namespace unpackd::net {

std::chrono::milliseconds RetryPolicy::Backoff(int retry, std::mt19937_64& random) const {
  const int shift = std::clamp(retry, 0, 30);
  const long long base = std::max<long long>(0, base_delay.count());
  const long long cap = std::max<long long>(0, max_delay.count());
  const long long ceiling = std::min(cap, base << shift);
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<long long> pick(0, ceiling);
  return std::chrono::milliseconds(pick(random));
}

}  // namespace unpackd::net
