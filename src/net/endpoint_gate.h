// EndpointGate: lets every request to one endpoint ride out an outage together.
//
// Without it, each of the 64 requests in flight retries on its own, and the first to run out
// of patience ends the run. With it, the first request that fails in a way a retry may fix
// (a transport failure, a 5xx, throttling) marks the endpoint down. From then on requests do
// not send: one of them at a time probes (sends its own request) after a growing backoff,
// the others wait on a condition variable. The first answer from the endpoint (any status
// that is not a retryable failure) marks it up and wakes them all.
//
// A request gives up when its RetryPolicy's time budget, counted from the start of its
// trouble (its first failure, or the start of the outage it waited in), is spent; a request
// that arrives after an outage used up its budget still gets one attempt, in case the endpoint
// is back. Cancellation wakes every waiter at once.
//
// With a ConcurrencyLimit (concurrency_limit.h), the gate also bounds how many requests are in
// flight: a request waits in WaitForTurn for a slot, holds it until its verdict (Answered,
// Failed, Throttled) or its end, and a throttled answer while the endpoint is up cuts the
// limit. A probe of an endpoint that is down goes out whatever the limit, so that waiting for
// a slot never delays the end of an outage.
//
// Thread-safe; one gate per endpoint, shared by every request to it (the S3 client owns one).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "net/concurrency_limit.h"
#include "net/retry_policy.h"
#include "util/cancellation.h"
#include "util/error.h"
#include "util/mutex.h"

namespace unpackd::net {

class EndpointGate {
 public:
  using Clock = std::chrono::steady_clock;

  // `endpoint` names the endpoint in messages ("https://s3.us-east-1.amazonaws.com").
  // `cancel` is optional and must outlive the gate. `limit`: bound the requests in flight
  // adaptively; nullopt: no bound (the caller's own threads are the only one).
  EndpointGate(std::string endpoint, RetryPolicy policy, const CancellationToken* cancel,
               std::optional<ConcurrencyLimit::Options> limit = std::nullopt);
  EndpointGate(const EndpointGate&) = delete;
  EndpointGate& operator=(const EndpointGate&) = delete;

  // One request's way through the gate, attempt after attempt; used by one thread:
  //   EndpointGate::Passage passage(gate, "GetObject s3://bucket/key");
  //   for (;;) {
  //     passage.WaitForTurn();
  //     ... send; on an answer: passage.Answered() and return ...
  //     passage.Failed(error);  // a retryable failure; throws when no retry is left
  //   }
  class Passage {
   public:
    // `what` names the request in messages ("GetObject s3://bucket/key").
    Passage(EndpointGate& gate, std::string what);
    // Hands the probe turn on if this request holds it.
    ~Passage();
    Passage(const Passage&) = delete;
    Passage& operator=(const Passage&) = delete;

    // Returns when this request may be sent: while the endpoint is up, at once (a retry after
    // its own backoff), or when the concurrency limit has a slot free; while it is down, when
    // this request's turn to probe comes. Throws
    // Error(kCancelled, code "cancelled") when cancelled (a first attempt to an endpoint that
    // is up still goes out), and Error(kTransient) when the time budget ran out while waiting.
    void WaitForTurn();
    // The endpoint answered with a response that is not a retryable failure: it is up.
    // `first_byte_wait` (seconds): for the concurrency limit's latency signal, only when the
    // wait measures the server's queue (ConcurrencyLimit::Succeeded).
    void Answered(std::optional<double> first_byte_wait = std::nullopt);
    // The attempt failed in a way a retry may fix. Returns when another attempt may follow;
    // otherwise throws the final Error(kTransient, code of `error`), which names the request,
    // the endpoint, how long it kept failing and the last error.
    void Failed(const Error& error);
    // Like Failed, for an answer asking the client to slow down (503 SlowDown, 429,
    // Throttling): also counted, and cuts the concurrency limit when the endpoint was up.
    void Throttled(const Error& error);

    int attempts() const { return attempts_; }

   private:
    bool Cancelled() const;
    void Fail(const Error& error, bool throttled);
    // What an attempt's end tells the concurrency limit.
    enum class Verdict { kAnswered, kThrottled, kNone };
    // Gives back this request's slot in the concurrency limit, if it holds one.
    void Release(Verdict verdict, std::optional<double> first_byte_wait = std::nullopt)
        REQUIRES(gate_.mutex_);
    // Lets the next attempt go: counts it, and what waiting for it cost since `entered`.
    void Admit(Clock::time_point entered, Clock::time_point now) REQUIRES(gate_.mutex_);
    [[noreturn]] void ThrowOutOfTime(Clock::time_point now) REQUIRES(gate_.mutex_);

    EndpointGate& gate_;
    const std::string what_;
    int attempts_ = 0;
    int failures_while_up_ = 0;   // for the backoff; less throttled_while_up_, for max_attempts
    int throttled_while_up_ = 0;  // those of them that were throttled
    // Since when this request has been in trouble; unset until it fails or waits.
    std::optional<Clock::time_point> trouble_since_;
    Clock::time_point not_before_ = Clock::time_point::min();  // this request's own backoff
    std::optional<Error> last_error_;
    // This request's slot in the gate's concurrency limit while an attempt is in flight.
    std::optional<ConcurrencyLimit::Ticket> ticket_;
  };

  // What retrying cost the requests through this gate since it was made, for reports.
  struct Totals {
    uint64_t retries = 0;  // attempts after a request's first
    // Time requests spent waiting to be sent (their backoff, an outage), summed over requests:
    // 8 requests that waited out the same 5 s outage count 40 s.
    Clock::duration waited{};
    uint64_t throttled = 0;  // answers asking to slow down
    // The concurrency limit's course; all 0 without a limit.
    ConcurrencyLimit::Totals concurrency;
  };
  Totals totals();

  const std::string& endpoint() const { return endpoint_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  const std::string endpoint_;
  const RetryPolicy policy_;
  const CancellationToken* const cancel_;

  Mutex mutex_;
  CondVar changed_;  // the endpoint came up, the probe turn is free, or cancellation
  bool down_ GUARDED_BY(mutex_) = false;
  Clock::time_point down_since_ GUARDED_BY(mutex_);
  // The request probing now (nullptr: none); the others wait for its verdict.
  const Passage* prober_ GUARDED_BY(mutex_) = nullptr;
  int failed_probes_ GUARDED_BY(mutex_) = 0;
  Clock::time_point next_probe_at_ GUARDED_BY(mutex_);
  std::string last_failure_ GUARDED_BY(mutex_);  // for requests that waited but never sent
  Totals totals_ GUARDED_BY(mutex_);
  std::optional<ConcurrencyLimit> limit_ GUARDED_BY(mutex_);
  int slot_waiters_ GUARDED_BY(mutex_) = 0;  // requests waiting for a slot in limit_

  // Declared last: unsubscribes before the state its callback touches goes away.
  CancellationToken::Subscription cancel_subscription_;
};

}  // namespace unpackd::net
