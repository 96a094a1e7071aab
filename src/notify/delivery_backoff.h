// How long to wait before delivering a notification again. Receivers go down for minutes to
// hours (a deploy, an outage), so the pause grows from 1 s, doubling, to a 10-minute cap: a
// receiver back after an hour hears from every pending notification within ten minutes, and
// a dead one is asked a few times an hour, not hammered.
//
// "Equal jitter" (half the pause fixed, half random): it spreads the retries of many
// notifications that failed together, like full jitter, without ever retrying at once, which
// full jitter's near-zero draws would do against a receiver that just failed.
#pragma once

#include <chrono>
#include <optional>

namespace unpackd::notify {

inline constexpr std::chrono::milliseconds kFirstDeliveryDelay{1'000};
inline constexpr std::chrono::milliseconds kLongestDeliveryDelay{600'000};

// The pause after `attempts` failed attempts (1 after the first failure; less counts as 1):
// uniform-ish in [b/2, b] with b = min(10 min, 1 s * 2^(attempts-1)), placed by
// `jitter_0_to_1` (clamped to [0, 1]; the caller draws it, so this stays pure and testable).
std::chrono::milliseconds NextDeliveryDelay(int attempts, double jitter_0_to_1);

// NextDeliveryDelay, or the receiver's Retry-After when that is longer: a receiver that asks
// for an hour's rest gets it.
std::chrono::milliseconds DelayBeforeRetry(int attempts, double jitter_0_to_1,
                                           std::optional<std::chrono::milliseconds> retry_after);

}  // namespace unpackd::notify
