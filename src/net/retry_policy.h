// RetryPolicy: how patiently requests to one endpoint are retried.
//
// Retries are bounded by time, not by a count: a request gives up once its trouble began
// more than `time_budget` ago (its first failure, or the start of the outage it waited out,
// whichever came first), so an outage of a minute is ridden out however many requests are in
// flight. While the endpoint is down, the requests pause together behind an EndpointGate
// (endpoint_gate.h): one probes, the others wait. `max_attempts` only bounds a request that
// fails on its own while the endpoint answers the others (a broken request, not an outage).
//
// Pauses use exponential backoff with "full jitter" (the delay before retry n is uniform in
// [0, min(max_delay, base_delay * 2^n)]), which AWS recommends so that many clients
// throttled together do not retry in lockstep.
#pragma once

#include <chrono>
#include <random>

namespace unpackd::net {

struct RetryPolicy {
  // How long a request keeps retrying once trouble began; 0: one attempt, no retries.
  std::chrono::milliseconds time_budget{120'000};
  // Attempts of a request that fails while the endpoint is up (each such failure counts;
  // failures during an outage do not).
  int max_attempts = 8;
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{20'000};
  // The longest pause between two probes of an endpoint that is down. A probe is one request,
  // so probing every few seconds costs little and ends everyone's pause soon after the endpoint
  // is back (at max_delay, a minute's outage was followed by up to 20 s of idling).
  std::chrono::milliseconds max_probe_delay{5'000};

  // The pause before retry number `retry` (0 for the first retry). Thread-safe if each thread
  // passes its own generator.
  std::chrono::milliseconds Backoff(int retry, std::mt19937_64& random) const;
  // The pause before probe number `probe` of an endpoint that is down: Backoff, capped by
  // max_probe_delay as well.
  std::chrono::milliseconds ProbeBackoff(int probe, std::mt19937_64& random) const;
};

}  // namespace unpackd::net
