#include "net/endpoint_gate.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

namespace unpackd::net {
namespace {

std::mt19937_64& ThreadRandom() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return random;
}

std::string Seconds(std::chrono::duration<double> duration) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f s", duration.count());
  return text;
}

}  // namespace

EndpointGate::EndpointGate(std::string endpoint, RetryPolicy policy,
                           const CancellationToken* cancel,
                           std::optional<ConcurrencyLimit::Options> limit)
    : endpoint_(std::move(endpoint)), policy_(policy), cancel_(cancel) {
  if (limit) {
    MutexLock lock(mutex_);
    limit_.emplace(*limit);
  }
  if (cancel_ != nullptr) {
    cancel_subscription_ = cancel_->OnCancel([this] {
      MutexLock lock(mutex_);
      changed_.NotifyAll();
    });
  }
}

EndpointGate::Passage::Passage(EndpointGate& gate, std::string what)
    : gate_(gate), what_(std::move(what)) {}

EndpointGate::Passage::~Passage() {
  MutexLock lock(gate_.mutex_);
  Release(Verdict::kNone);
  if (gate_.prober_ == this) {
    // Ended without a verdict (an error that says nothing about the endpoint): let another
    // request probe.
    gate_.prober_ = nullptr;
    gate_.changed_.NotifyAll();
  }
}

bool EndpointGate::Passage::Cancelled() const {
  return gate_.cancel_ != nullptr && gate_.cancel_->cancelled();
}

EndpointGate::Totals EndpointGate::totals() {
  MutexLock lock(mutex_);
  Totals totals = totals_;
  if (limit_) totals.concurrency = limit_->totals();
  return totals;
}

void EndpointGate::Passage::Admit(Clock::time_point entered, Clock::time_point now) {
  if (attempts_++ > 0) ++gate_.totals_.retries;
  gate_.totals_.waited += now - entered;
  if (gate_.limit_ && !ticket_) ticket_ = gate_.limit_->Start();
}

void EndpointGate::Passage::Release(Verdict verdict, std::optional<double> first_byte_wait) {
  if (!ticket_) return;
  ConcurrencyLimit& limit = *gate_.limit_;
  switch (verdict) {
    case Verdict::kAnswered:
      limit.Succeeded(*ticket_, first_byte_wait);
      break;
    case Verdict::kThrottled:
      limit.Throttled(*ticket_);
      break;
    case Verdict::kNone:
      limit.Ended(*ticket_);
      break;
  }
  ticket_.reset();
  if (gate_.slot_waiters_ > 0) gate_.changed_.NotifyAll();
}

void EndpointGate::Passage::WaitForTurn() {
  MutexLock lock(gate_.mutex_);
  // Waiting for a slot is the limit doing its work, not a retry's cost: it stays out of the
  // totals' `waited` (reported as retry_wait_seconds), so it moves `entered` on instead.
  Clock::time_point entered = Clock::now();
  for (;;) {
    const Clock::time_point now = Clock::now();
    const bool may_send = !gate_.down_ && now >= not_before_ && (attempts_ == 0 || !Cancelled());
    const bool slot_free = !gate_.limit_ || gate_.limit_->MayStart();
    if (may_send && slot_free) {
      Admit(entered, now);
      return;
    }
    if (may_send) {
      // Only the limit holds it back: wait until a request in flight ends (Release wakes the
      // waiters), re-checking now and then. Cancellation does not stop a first attempt (an
      // abort on the way out), so it waits for its slot like the others.
      ++gate_.slot_waiters_;
      gate_.changed_.WaitUntil(gate_.mutex_, now + std::chrono::seconds(1));
      --gate_.slot_waiters_;
      entered += Clock::now() - now;
      continue;
    }
    if (Cancelled()) {
      throw Error(ErrorKind::kCancelled,
                  what_ + ": cancelled while waiting to retry against " + gate_.endpoint_,
                  "cancelled");
    }
    Clock::time_point wake_at = not_before_;
    if (gate_.down_) {
      const bool fresh = !trouble_since_;
      trouble_since_ = fresh ? gate_.down_since_ : std::min(*trouble_since_, gate_.down_since_);
      const Clock::time_point deadline = *trouble_since_ + gate_.policy_.time_budget;
      if (now >= deadline) {
        if (!fresh) ThrowOutOfTime(now);
        // This outage used up its budget before this request came: one try, the endpoint
        // may be back.
        Admit(entered, now);
        return;
      }
      if (gate_.prober_ == nullptr && now >= gate_.next_probe_at_ && now >= not_before_) {
        gate_.prober_ = this;
        Admit(entered, now);
        return;
      }
      wake_at = gate_.prober_ != nullptr
                    ? deadline
                    : std::min(deadline, std::max(gate_.next_probe_at_, not_before_));
    }
    gate_.changed_.WaitUntil(gate_.mutex_, wake_at);
  }
}

void EndpointGate::Passage::Answered(std::optional<double> first_byte_wait) {
  MutexLock lock(gate_.mutex_);
  Release(Verdict::kAnswered, first_byte_wait);
  if (gate_.prober_ == this) gate_.prober_ = nullptr;
  if (gate_.down_) {
    gate_.down_ = false;
    gate_.prober_ = nullptr;
    gate_.failed_probes_ = 0;
    gate_.changed_.NotifyAll();
  }
}

void EndpointGate::Passage::Failed(const Error& error) { Fail(error, false); }

void EndpointGate::Passage::Throttled(const Error& error) { Fail(error, true); }

void EndpointGate::Passage::Fail(const Error& error, bool throttled) {
  const Clock::time_point now = Clock::now();
  const RetryPolicy& policy = gate_.policy_;
  MutexLock lock(gate_.mutex_);
  last_error_ = error;
  gate_.last_failure_ = error.what();
  if (throttled) ++gate_.totals_.throttled;
  // Only a throttled answer while the endpoint was up cuts the limit: once it is down, one
  // probe at a time goes out, and a probe refused again says nothing about the width.
  Release(throttled && !gate_.down_ ? Verdict::kThrottled : Verdict::kNone);
  bool while_up = false;
  if (!gate_.down_) {
    // The first failure: the endpoint is down until someone gets an answer again.
    while_up = true;
    gate_.down_ = true;
    gate_.down_since_ = now;
    gate_.failed_probes_ = 0;
    gate_.next_probe_at_ = now + policy.ProbeBackoff(0, ThreadRandom());
  } else if (gate_.prober_ == this) {
    gate_.prober_ = nullptr;
    gate_.next_probe_at_ = now + policy.ProbeBackoff(++gate_.failed_probes_, ThreadRandom());
  }
  // Otherwise this request was in flight when the outage began: its failure says nothing new.
  gate_.changed_.NotifyAll();
  trouble_since_ = std::min(trouble_since_.value_or(now), gate_.down_since_);
  if (while_up) ++failures_while_up_;
  // Throttling is load, not a broken request: it never uses up max_attempts (the time budget
  // still bounds it), so under a long SlowDown episode a request is not dropped for having
  // been the one refused first a few times.
  if (while_up && throttled) ++throttled_while_up_;
  if (while_up && failures_while_up_ - throttled_while_up_ >= std::max(1, policy.max_attempts)) {
    throw Error(
        ErrorKind::kTransient,
        std::string(error.what()) + " (gave up after " + std::to_string(attempts_) + " attempts)",
        error.code());
  }
  if (now >= *trouble_since_ + policy.time_budget) ThrowOutOfTime(now);
  not_before_ = while_up ? now + policy.Backoff(failures_while_up_ - 1, ThreadRandom()) : now;
}

void EndpointGate::Passage::ThrowOutOfTime(Clock::time_point now) {
  const std::string last = last_error_ ? last_error_->what() : gate_.last_failure_;
  const std::string budget = Seconds(gate_.policy_.time_budget);
  throw Error(ErrorKind::kTransient,
              what_ + " failed: " + gate_.endpoint_ + " kept failing for " +
                  Seconds(now - *trouble_since_) + ", beyond the retry time budget of " + budget +
                  " (" + std::to_string(attempts_) +
                  " attempts by this request); last error: " + last,
              last_error_ ? last_error_->code() : std::string());
}

}  // namespace unpackd::net
