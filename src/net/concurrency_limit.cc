#include "net/concurrency_limit.h"

#include <algorithm>

namespace unpackd::net {

ConcurrencyLimit::ConcurrencyLimit(Options options) : options_(options) {
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

void ConcurrencyLimit::Succeeded(Ticket /*ticket*/) {
  // Counted before this request leaves: it was one of those filling the limit.
  if (in_flight_ >= limit()) {
    limit_ = std::min<double>(options_.ceiling, limit_ + options_.increase / limit());
  }
  Finish();
}

void ConcurrencyLimit::Throttled(Ticket ticket) {
  if (ticket.epoch == epoch_) {
    // Cut from what was in flight, not from the limit: a limit the work never filled (144
    // allowed, 60 sent) would otherwise take several cuts before one held anything back.
    const double base = std::min<double>(limit_, std::max(1, in_flight_));
    limit_ = std::clamp(base * options_.decrease, static_cast<double>(options_.floor),
                        static_cast<double>(options_.ceiling));
    ++epoch_;
    min_limit_ = std::min(min_limit_, limit());
  }
  Finish();
}

void ConcurrencyLimit::Ended(Ticket /*ticket*/) { Finish(); }

ConcurrencyLimit::Totals ConcurrencyLimit::totals() const {
  return Totals{options_.ceiling, min_limit_, limit(), epoch_};
}

}  // namespace unpackd::net
