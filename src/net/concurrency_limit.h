// ConcurrencyLimit: how many requests to one endpoint may be in flight, adapted to what the
// endpoint takes (AIMD: additive increase, multiplicative decrease, as TCP's congestion window).
//
// It starts at the ceiling (the width the memory plan sized the connection pool for), so many
// small members go out at once, and stays there while the server keeps up. An answer that
// asks the client to slow down (503 SlowDown, 429, Throttling: the caller decides) cuts the
// limit to `decrease` times the requests in flight, and every success while the limit is
// what holds requests back adds `increase / limit`, about `increase` per round trip of the
// whole window. The limit never leaves [floor, ceiling].
//
// One episode, one cut: each cut starts a new epoch, and each request remembers the epoch it
// was sent in. A throttled answer to a request sent before the last cut belongs to the burst
// that cut already answered (every request in flight then meets the same overloaded server),
// so it does not cut again; only one sent after the cut shows the smaller width is still too
// wide. This bounds cuts to one per round trip without reading a clock.
//
// Latency is not a signal: most of a request's time here is its body (an 8 MiB range read,
// a 16 MiB part), which varies with size, with our own decompression's back-pressure and with
// the server's disk, so "slower than the fastest request seen" would cut for no reason.
//
// Pure logic, not thread-safe: the EndpointGate holds it under its mutex and waits for a slot.
#pragma once

#include <cstdint>

namespace unpackd::net {

class ConcurrencyLimit {
 public:
  struct Options {
    int ceiling = 64;       // the start, and the most ever allowed; at least 1
    int floor = 1;          // the least ever allowed; at least 1, at most ceiling
    double decrease = 0.5;  // a cut keeps this share of the requests in flight
    double increase = 1.0;  // added per window of successes while the limit binds
  };

  // Where the limit has been, for reports.
  struct Totals {
    int start = 0;
    int min = 0;  // the lowest limit reached
    int current = 0;
    uint64_t cuts = 0;
  };

  // What a request in flight carries from Start to its end.
  struct Ticket {
    uint64_t epoch = 0;
  };

  explicit ConcurrencyLimit(Options options);

  // The whole number of requests allowed in flight now.
  int limit() const;
  int in_flight() const { return in_flight_; }
  // Whether one more request may start now.
  bool MayStart() const { return in_flight_ < limit(); }

  // A request is sent (whether MayStart or not: a probe of an endpoint that is down goes
  // anyway). Pass the ticket to exactly one of the three calls below.
  Ticket Start();
  // The request got an answer that is no throttling. Raises the limit while it binds (the
  // requests in flight filled it), so an idle limit does not creep up with nothing to show.
  void Succeeded(Ticket ticket);
  // The server asked to slow down. Cuts the limit, unless a cut since this request was sent
  // already answered the same episode.
  void Throttled(Ticket ticket);
  // The request ended without a verdict on the width (a transport failure, an error that
  // says nothing of load, an exception): only frees its slot.
  void Ended(Ticket ticket);

  Totals totals() const;

 private:
  void Finish();

  Options options_;
  double limit_;  // fractional, so additive increase can add less than one per success
  int in_flight_ = 0;
  uint64_t epoch_ = 0;
  int min_limit_;
};

}  // namespace unpackd::net
