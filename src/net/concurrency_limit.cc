#include "net/concurrency_limit.h"

#include <algorithm>
#include <limits>

namespace unpackd::net {

namespace {

// Samples in one baseline window: enough that a window's least wait is the server's idle
// answer, few enough that a changed route becomes the baseline within two windows.
constexpr int kBaselineWindow = 512;
// Samples of one epoch before its smoothed wait is judged: one slow answer is no trend.
constexpr int kSamplesBeforeJudging = 8;
// The smoothing: each sample moves the smoothed wait by this share of its difference.
constexpr double kSmoothing = 1.0 / 8;

}  // namespace

ConcurrencyLimit::ConcurrencyLimit(Options options)
    : options_(options),
      window_min_wait_(std::numeric_limits<double>::infinity()),
      previous_window_min_wait_(std::numeric_limits<double>::infinity()) {
  options_.ceiling = std::max(1, options_.ceiling);
  options_.floor = std::clamp(options_.floor, 1, options_.ceiling);
  limit_ = options_.ceiling;
  min_limit_ = options_.ceiling;
}

int ConcurrencyLimit::limit() const {
  // The epsilon keeps a sum of n additions of 1/n from landing just below the next integer.
  return std::clamp(static_cast<int>(limit_ + 1e-9), options_.floor, options_.ceiling);
}

ConcurrencyLimit::Ticket ConcurrencyLimit::Start() {
  ++in_flight_;
  return Ticket{epoch_};
}

void ConcurrencyLimit::Finish() {
  if (in_flight_ > 0) --in_flight_;
}

void ConcurrencyLimit::Cut(double share, int least) {
  // Cut from what was in flight, not from the limit: a limit the work never filled (144
  // allowed, 60 sent) would otherwise take several cuts before one held anything back.
  const double base = std::min<double>(limit_, std::max(1, in_flight_));
  limit_ = std::clamp(std::max(base * share, static_cast<double>(least)),
                      static_cast<double>(options_.floor), static_cast<double>(options_.ceiling));
  ++epoch_;
  smoothed_samples_ = 0;
  min_limit_ = std::min(min_limit_, limit());
}

void ConcurrencyLimit::RecordWait(double first_byte_wait) {
  window_min_wait_ = std::min(window_min_wait_, first_byte_wait);
  if (++window_samples_ == kBaselineWindow) {
    previous_window_min_wait_ = window_min_wait_;
    window_min_wait_ = std::numeric_limits<double>::infinity();
    window_samples_ = 0;
  }
}

bool ConcurrencyLimit::Above(double wait, double tolerance, double slack) const {
  const double baseline = std::min(window_min_wait_, previous_window_min_wait_);
  return wait >= baseline * tolerance && wait - baseline >= slack;
}

bool ConcurrencyLimit::EpochDrowning(double first_byte_wait) {
  smoothed_wait_ = smoothed_samples_ == 0
                       ? first_byte_wait
                       : smoothed_wait_ + (first_byte_wait - smoothed_wait_) * kSmoothing;
  return ++smoothed_samples_ >= kSamplesBeforeJudging &&
         Above(smoothed_wait_, options_.drown_tolerance, options_.drown_slack);
}

void ConcurrencyLimit::Succeeded(Ticket ticket, std::optional<double> first_byte_wait) {
  bool grow = true;
  if (first_byte_wait) {
    RecordWait(*first_byte_wait);
    // A queued answer, of any epoch, says more requests would only queue.
    grow = !Above(*first_byte_wait, options_.queue_tolerance, options_.queue_slack);
    // Only a request sent at the width now judges it.
    const int least = std::max(options_.floor, options_.latency_floor);
    if (ticket.epoch == epoch_ && EpochDrowning(*first_byte_wait) && limit() > least) {
      Cut(options_.latency_decrease, least);
      ++latency_cuts_;
    }
  }
  // Counted before this request leaves: it was one of those filling the limit.
  if (grow && in_flight_ >= limit()) {
    limit_ = std::min<double>(options_.ceiling, limit_ + options_.increase / limit());
  }
  Finish();
}

void ConcurrencyLimit::Throttled(Ticket ticket) {
  if (ticket.epoch == epoch_) Cut(options_.decrease, options_.floor);
  Finish();
}

void ConcurrencyLimit::Ended(Ticket /*ticket*/) { Finish(); }

ConcurrencyLimit::Totals ConcurrencyLimit::totals() const {
  return Totals{options_.ceiling, min_limit_, limit(), epoch_, latency_cuts_};
}

}  // namespace unpackd::net
