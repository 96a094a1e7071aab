// ConcurrencyLimit: starts at the ceiling, halves from what is in flight on throttling (once
// per episode), cuts gently when answers queue (first-byte waits far above the baseline),
// grows back by about one per window of successes, stays within its bounds.
#include "net/concurrency_limit.h"

#include <gtest/gtest.h>

#include <vector>

namespace unpackd::net {
namespace {

using Ticket = ConcurrencyLimit::Ticket;

ConcurrencyLimit::Options Ceiling(int ceiling) {
  ConcurrencyLimit::Options options;
  options.ceiling = ceiling;
  return options;
}

// Starts `n` requests and returns their tickets.
std::vector<Ticket> StartMany(ConcurrencyLimit& limit, int n) {
  std::vector<Ticket> tickets;
  for (int i = 0; i < n; ++i) tickets.push_back(limit.Start());
  return tickets;
}

TEST(ConcurrencyLimitTest, StartsWideAtTheCeilingAndFillsIt) {
  ConcurrencyLimit limit(Ceiling(64));
  EXPECT_EQ(limit.limit(), 64);
  const std::vector<Ticket> tickets = StartMany(limit, 63);
  EXPECT_TRUE(limit.MayStart());
  limit.Start();
  EXPECT_FALSE(limit.MayStart());
  EXPECT_EQ(limit.in_flight(), 64);
  limit.Ended(tickets[0]);
  EXPECT_TRUE(limit.MayStart());
  const ConcurrencyLimit::Totals totals = limit.totals();
  EXPECT_EQ(totals.start, 64);
  EXPECT_EQ(totals.min, 64);
  EXPECT_EQ(totals.current, 64);
  EXPECT_EQ(totals.cuts, 0u);
}

TEST(ConcurrencyLimitTest, ThrottlingHalvesWhatIsInFlight) {
  ConcurrencyLimit limit(Ceiling(64));
  const std::vector<Ticket> tickets = StartMany(limit, 64);
  limit.Throttled(tickets[0]);
  EXPECT_EQ(limit.limit(), 32);
  EXPECT_FALSE(limit.MayStart());  // 63 still in flight
  EXPECT_EQ(limit.totals().cuts, 1u);
  EXPECT_EQ(limit.totals().min, 32);
}

TEST(ConcurrencyLimitTest, AnUnfilledLimitIsCutFromTheRequestsInFlight) {
  // 144 allowed but only 40 sent: halving 144 would hold nothing back.
  ConcurrencyLimit limit(Ceiling(144));
  const std::vector<Ticket> tickets = StartMany(limit, 40);
  limit.Throttled(tickets[0]);
  EXPECT_EQ(limit.limit(), 20);
}

TEST(ConcurrencyLimitTest, OneEpisodeOfThrottlingCutsOnce) {
  ConcurrencyLimit limit(Ceiling(64));
  const std::vector<Ticket> burst = StartMany(limit, 64);
  // Every request in flight meets the same overloaded server: one cut, not 64.
  for (const Ticket& t : burst) limit.Throttled(t);
  EXPECT_EQ(limit.limit(), 32);
  EXPECT_EQ(limit.totals().cuts, 1u);
  // A request sent after the cut and throttled again: the halved width is still too wide.
  const std::vector<Ticket> next = StartMany(limit, 32);
  limit.Throttled(next[0]);
  EXPECT_EQ(limit.limit(), 16);
  limit.Throttled(next[1]);
  EXPECT_EQ(limit.limit(), 16);
  EXPECT_EQ(limit.totals().cuts, 2u);
  EXPECT_EQ(limit.totals().min, 16);
}

TEST(ConcurrencyLimitTest, SuccessesWhileTheLimitBindsAddAboutOnePerWindow) {
  ConcurrencyLimit limit(Ceiling(64));
  std::vector<Ticket> tickets = StartMany(limit, 64);
  limit.Throttled(tickets.back());
  tickets.pop_back();
  for (Ticket& t : tickets) limit.Ended(t);  // the burst drains
  ASSERT_EQ(limit.limit(), 32);
  ASSERT_EQ(limit.in_flight(), 0);
  // Keep the limit full: each success is replaced by a new request at once. One window of
  // 32 successes adds one.
  StartMany(limit, 32);
  for (int i = 0; i < 32; ++i) {
    limit.Succeeded(Ticket{});
    limit.Start();
  }
  EXPECT_EQ(limit.limit(), 33);
  while (limit.MayStart()) limit.Start();  // fill the wider limit
  // Many more windows: it keeps growing, about one per window.
  for (int i = 0; i < 33 + 34 + 35; ++i) {
    limit.Succeeded(Ticket{});
    while (limit.MayStart()) limit.Start();
  }
  EXPECT_EQ(limit.limit(), 36);
}

TEST(ConcurrencyLimitTest, SuccessesBelowTheLimitDoNotRaiseIt) {
  ConcurrencyLimit limit(Ceiling(64));
  std::vector<Ticket> tickets = StartMany(limit, 64);
  limit.Throttled(tickets[0]);
  for (int i = 1; i < 64; ++i) limit.Ended(tickets[i]);
  ASSERT_EQ(limit.limit(), 32);
  // One request at a time: the limit holds nothing back, so its success says nothing about a
  // wider one.
  for (int i = 0; i < 1000; ++i) limit.Succeeded(limit.Start());
  EXPECT_EQ(limit.limit(), 32);
}

TEST(ConcurrencyLimitTest, NeverAboveTheCeilingNorBelowTheFloor) {
  ConcurrencyLimit limit(Ceiling(4));
  for (int i = 0; i < 1000; ++i) {
    limit.Succeeded(StartMany(limit, 4).front());
    while (limit.in_flight() > 0) limit.Ended(Ticket{});
  }
  EXPECT_EQ(limit.limit(), 4);
  // Throttled again and again, each time by a request sent after the last cut.
  for (int i = 0; i < 10; ++i) limit.Throttled(limit.Start());
  EXPECT_EQ(limit.limit(), 1);
  EXPECT_EQ(limit.totals().min, 1);
  EXPECT_EQ(limit.totals().current, 1);
  EXPECT_TRUE(limit.MayStart());

  ConcurrencyLimit::Options options = Ceiling(16);
  options.floor = 6;
  ConcurrencyLimit floored(options);
  for (int i = 0; i < 10; ++i) floored.Throttled(floored.Start());
  EXPECT_EQ(floored.limit(), 6);
}

TEST(ConcurrencyLimitTest, ANonsenseCeilingStillAllowsOne) {
  ConcurrencyLimit limit(Ceiling(0));
  EXPECT_EQ(limit.limit(), 1);
  EXPECT_TRUE(limit.MayStart());
  limit.Start();
  EXPECT_FALSE(limit.MayStart());
}

// Runs `rounds` windows of `width` requests that all answer after `wait` seconds, each window
// started before the last one answers (the limit stays full).
void AnswerRounds(ConcurrencyLimit& limit, int rounds, int width, double wait) {
  for (int round = 0; round < rounds; ++round) {
    for (const Ticket ticket : StartMany(limit, width)) limit.Succeeded(ticket, wait);
  }
}

TEST(ConcurrencyLimitTest, AnswersThatDrownCutTheLimitGently) {
  ConcurrencyLimit limit(Ceiling(64));
  AnswerRounds(limit, 1, 64, 0.010);  // the idle server: a 10 ms baseline
  EXPECT_EQ(limit.limit(), 64);
  AnswerRounds(limit, 1, 64, 2.0);  // now small answers take seconds
  EXPECT_EQ(limit.totals().latency_cuts, 1u);
  // A quarter off what was in flight when the smoothed wait crossed the line (the sixth slow
  // answer: 59 in flight), not a half as for throttling.
  EXPECT_EQ(limit.limit(), 44);
}

TEST(ConcurrencyLimitTest, QueueingAnswersStopGrowthButNeverCut) {
  ConcurrencyLimit limit(Ceiling(64));
  AnswerRounds(limit, 1, 64, 0.010);
  limit.Throttled(limit.Start());  // one in flight: cut to the floor... of 1 * 0.5
  const int after_cut = limit.limit();
  // Answers 30 times the baseline (300 ms): a queue, but not drowning.
  AnswerRounds(limit, 20, after_cut, 0.300);
  EXPECT_EQ(limit.limit(), after_cut);
  EXPECT_EQ(limit.totals().latency_cuts, 0u);
  // Answers back near the baseline: growth resumes.
  AnswerRounds(limit, 20, after_cut, 0.012);
  EXPECT_GT(limit.limit(), after_cut);
  // And at the full width, answers that queue never cut.
  ConcurrencyLimit wide(Ceiling(144));
  AnswerRounds(wide, 1, 144, 0.020);
  AnswerRounds(wide, 20, 144, 0.380);
  EXPECT_EQ(wide.limit(), 144);
}

TEST(ConcurrencyLimitTest, OnlyRequestsSentAfterALatencyCutJudgeTheNewWidth) {
  ConcurrencyLimit limit(Ceiling(64));
  AnswerRounds(limit, 1, 64, 0.010);
  const std::vector<Ticket> old_width = StartMany(limit, 64);
  for (const Ticket ticket : old_width) limit.Succeeded(ticket, 3.0);
  EXPECT_EQ(limit.totals().latency_cuts, 1u) << "64 drowning answers of one width cut once";
  // Seven slow answers at the new width are not yet a trend; the eighth is.
  const std::vector<Ticket> new_width = StartMany(limit, 8);
  for (int i = 0; i < 7; ++i) limit.Succeeded(new_width[i], 3.0);
  EXPECT_EQ(limit.totals().latency_cuts, 1u);
  limit.Succeeded(new_width[7], 3.0);
  EXPECT_EQ(limit.totals().latency_cuts, 2u);
}

TEST(ConcurrencyLimitTest, ASlowServerThatDoesNotQueueKeepsItsWidth) {
  ConcurrencyLimit limit(Ceiling(64));
  // Every answer waits 1.5 s, from the first: slow, but not slower as requests are added.
  AnswerRounds(limit, 20, 64, 1.5);
  EXPECT_EQ(limit.limit(), 64);
  EXPECT_EQ(limit.totals().latency_cuts, 0u);
}

TEST(ConcurrencyLimitTest, LatencyAloneNeverCutsBelowItsFloorNorGrowsTheLimit) {
  ConcurrencyLimit limit(Ceiling(64));
  AnswerRounds(limit, 1, 64, 0.010);
  for (int round = 0; round < 40; ++round) {
    AnswerRounds(limit, 1, limit.limit(), 2.0);
  }
  EXPECT_EQ(limit.limit(), 8);
  EXPECT_EQ(limit.totals().min, 8);
  // Throttling still may go lower.
  const std::vector<Ticket> tickets = StartMany(limit, 8);
  limit.Throttled(tickets[0]);
  EXPECT_EQ(limit.limit(), 4);
  for (size_t i = 1; i < tickets.size(); ++i) limit.Succeeded(tickets[i], 2.0);
  EXPECT_EQ(limit.limit(), 4) << "drowning answers do not grow the limit";
}

TEST(ConcurrencyLimitTest, TheBaselineFollowsARouteThatGotSlower) {
  ConcurrencyLimit limit(Ceiling(64));
  AnswerRounds(limit, 1, 64, 0.010);
  // The route now costs 1.5 s at any width; cuts follow until two baseline windows (1,024
  // samples) have passed, then the new baseline holds the width and lets it grow.
  for (int round = 0; round < 200; ++round) AnswerRounds(limit, 1, limit.limit(), 1.5);
  const uint64_t cuts = limit.totals().latency_cuts;
  EXPECT_GE(cuts, 1u);
  const int settled = limit.limit();
  AnswerRounds(limit, 40, 64, 1.5);
  EXPECT_EQ(limit.totals().latency_cuts, cuts);
  EXPECT_GT(limit.limit(), settled) << "grows back once the slower route is the baseline";
}

}  // namespace
}  // namespace unpackd::net
