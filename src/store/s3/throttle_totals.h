// ThrottleTotals: what an S3 server said about its load and what the adaptive limit on
// requests in flight (net/concurrency_limit.h) did about it, for reports (`extract --json`).
#pragma once

#include <cstdint>

namespace unpackd::s3 {

struct ThrottleTotals {
  uint64_t throttled = 0;  // answers asking to slow down (503, 429, SlowDown, Throttling)
  // The limit's start, lowest and last value; all 0 without a limit (--adaptive=off).
  int concurrency_start = 0;
  int concurrency_min = 0;
  int concurrency_final = 0;
  // Cuts of the limit made because answers queued (rising latency), not for throttling.
  uint64_t latency_cuts = 0;
};

}  // namespace unpackd::s3
