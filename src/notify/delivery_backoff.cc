#include "notify/delivery_backoff.h"

#include <algorithm>

namespace unpackd::notify {

std::chrono::milliseconds NextDeliveryDelay(int attempts, double jitter_0_to_1) {
  // 2^10 s is past the cap already; bounding the exponent keeps the shift defined.
  const int doublings = std::clamp(attempts - 1, 0, 10);
  const std::chrono::milliseconds ceiling =
      std::min(kLongestDeliveryDelay, kFirstDeliveryDelay * (int64_t{1} << doublings));
  const double jitter = std::clamp(jitter_0_to_1, 0.0, 1.0);
  const auto half = ceiling / 2;
  return half + std::chrono::milliseconds(
                    static_cast<int64_t>(static_cast<double>((ceiling - half).count()) * jitter));
}

std::chrono::milliseconds DelayBeforeRetry(int attempts, double jitter_0_to_1,
                                           std::optional<std::chrono::milliseconds> retry_after) {
  const std::chrono::milliseconds delay = NextDeliveryDelay(attempts, jitter_0_to_1);
  return retry_after && *retry_after > delay ? *retry_after : delay;
}

}  // namespace unpackd::notify
