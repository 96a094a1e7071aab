// When a failed job runs again. A failure that may pass (a store outage, throttling, a lost
// connection: ErrorKind::kTransient, kIo) is retried with exponential backoff until
// kMaxJobAttempts attempts were made; then the job is kFailed until an operator retries it.
// A refused archive (kArchiveRefused) is final and never comes here.
//
// Thread safety: pure functions; the jitter is the caller's (no hidden RNG state), so a
// worker draws it from its own generator and tests pass fixed values.
#pragma once

#include <cstdint>
#include <optional>

namespace unpackd {

// Attempts (claims) a job gets before it stays kFailed. With the delays below, the 7 waits
// between 8 attempts add up to 2 to 4 minutes: long enough to ride out a short outage (on top
// of the S3 client's own retry budget within each attempt), short enough that an operator
// hears of a lasting one.
inline constexpr int kMaxJobAttempts = 8;

// The first retry waits about kBackoffBaseMs, each next one twice as long, never more than
// kBackoffCapMs.
inline constexpr int64_t kBackoffBaseMs = 2'000;
inline constexpr int64_t kBackoffCapMs = 5 * 60'000;

// The wait before the next attempt of a job whose attempt number `attempts` (1 for the first
// run) just failed: d = min(cap, base * 2^(attempts-1)), returned as d/2 + jitter * d/2
// ("equal jitter": never less than half the step, so retries still back off, and spread so
// that jobs failed by one outage do not all come back at once). `jitter` is in [0, 1]; values
// outside are clamped. `attempts` < 1 counts as 1.
int64_t BackoffDelayMs(int attempts, double jitter);

// When a job whose attempt `attempts` failed at `now_ms` runs again: now + BackoffDelayMs, or
// nullopt when `attempts` >= kMaxJobAttempts (JobStore::MarkFailed then makes it kFailed).
std::optional<int64_t> NextAttemptMs(int attempts, int64_t now_ms, double jitter);

}  // namespace unpackd
