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
// Rising latency is a signal too, but only where it measures the server's queue: the wait for
// an answer's first byte (not the body's time: an 8 MiB range, a 16 MiB part vary with size,
// with our own decompression's back-pressure and with the server's disk), and only for
// requests whose server-side work is small (the caller decides: a GET's or a HEAD's first
// byte, a small PUT; not CompleteMultipartUpload or a part copy, whose server work grows with
// the object). The baseline is the least wait of the last two windows of samples (so it
// follows a route that changed). Two levels:
//   queueing  an answer that waited `queue_tolerance` times the baseline and `queue_slack`
//             above it stops the limit from growing: more requests would only queue;
//   drowning  a smoothed wait of the requests sent at the current width of `drown_tolerance`
//             times the baseline and `drown_slack` above it cuts the limit by a quarter
//             (`latency_decrease`, never below `latency_floor` by latency alone); only requests
//             sent after that cut judge the new width, and only once there are a few of them.
// Queueing alone never cuts: a server that queues at 144 requests in flight may still answer
// more of them per second than at 16 (s3rver through a 20 ms proxy: cutting on a 3x wait made
// the many-small run 1.7x slower, bench/adaptive.py); seconds of waiting for a small answer
// do not help anyone, and come before timeouts.
//
// Pure logic, not thread-safe: the EndpointGate holds it under its mutex and waits for a slot.
#pragma once

#include <cstdint>
#include <optional>

namespace unpackd::net {

class ConcurrencyLimit {
 public:
  struct Options {
    int ceiling = 64;       // the start, and the most ever allowed; at least 1
    int floor = 1;          // the least ever allowed; at least 1, at most ceiling
    double decrease = 0.5;  // a cut keeps this share of the requests in flight
    double increase = 1.0;  // added per window of successes while the limit binds
    // Latency (see above): a first-byte wait this many times the baseline and this far above
    // it (seconds) is queueing, and stops growth...
    double queue_tolerance = 3.0;
    double queue_slack = 0.05;
    // ...and a smoothed wait this many times the baseline and this far above it is drowning...
    double drown_tolerance = 10.0;
    double drown_slack = 1.0;
    double latency_decrease = 0.75;  // ...which cuts to this share of the requests in flight...
    int latency_floor = 8;           // ...but not below this (nor below floor)
  };

  // Where the limit has been, for reports.
  struct Totals {
    int start = 0;
    int min = 0;  // the lowest limit reached
    int current = 0;
    uint64_t cuts = 0;
    uint64_t latency_cuts = 0;  // those of the cuts made for rising latency
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
  // `first_byte_wait` (seconds): the wait for the answer's first byte, when it measures the
  // server's queue (see above); nullopt for requests whose wait is their own work.
  void Succeeded(Ticket ticket, std::optional<double> first_byte_wait = std::nullopt);
  // The server asked to slow down. Cuts the limit, unless a cut since this request was sent
  // already answered the same episode.
  void Throttled(Ticket ticket);
  // The request ended without a verdict on the width (a transport failure, an error that
  // says nothing of load, an exception): only frees its slot.
  void Ended(Ticket ticket);

  Totals totals() const;

 private:
  void Finish();
  // Cuts to `share` of what is in flight, at least `least`, and starts a new epoch.
  void Cut(double share, int least);
  // Adds a wait to the baseline's window.
  void RecordWait(double first_byte_wait);
  // Whether a wait is `tolerance` times the baseline and `slack` seconds above it.
  bool Above(double wait, double tolerance, double slack) const;
  // Adds a wait of a request sent in this epoch to its smoothed wait; whether that drowns.
  bool EpochDrowning(double first_byte_wait);

  Options options_;
  double limit_;  // fractional, so additive increase can add less than one per success
  int in_flight_ = 0;
  uint64_t epoch_ = 0;
  int min_limit_;
  uint64_t latency_cuts_ = 0;

  // The latency baseline: the least wait in this window of samples and in the one before.
  double window_min_wait_;
  double previous_window_min_wait_;
  int window_samples_ = 0;
  // The smoothed wait of requests sent in this epoch, and how many it holds.
  double smoothed_wait_ = 0;
  int smoothed_samples_ = 0;
};

}  // namespace unpackd::net
