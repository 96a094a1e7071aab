// EndpointGate: requests to an endpoint that is down pause together (one probes, the others
// wait), give up when the time budget is spent, and wake at once on cancellation.
#include "net/endpoint_gate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace unpackd::net {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr char kEndpoint[] = "http://endpoint.test:9";

RetryPolicy Policy(milliseconds budget, int max_attempts = 8) {
  RetryPolicy policy;
  policy.time_budget = budget;
  policy.max_attempts = max_attempts;
  policy.base_delay = milliseconds(10);
  policy.max_delay = milliseconds(40);
  return policy;
}

Error Refused() { return Error(ErrorKind::kTransient, "GET http://endpoint.test:9/k: refused"); }

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Marks the endpoint down, as the first failing request does.
void FailOnce(EndpointGate& gate) {
  EndpointGate::Passage first(gate, "first");
  first.WaitForTurn();
  first.Failed(Refused());
}

TEST(EndpointGateTest, WhileDownOneRequestProbesAndTheOthersWaitForItsAnswer) {
  EndpointGate gate(kEndpoint, Policy(milliseconds(10'000)), nullptr);
  FailOnce(gate);
  std::atomic<int> turns{0};
  std::atomic<bool> answer{false};
  std::vector<std::thread> requests;
  for (int i = 0; i < 4; ++i) {
    requests.emplace_back([&] {
      EndpointGate::Passage passage(gate, "request");
      passage.WaitForTurn();
      if (++turns == 1) {
        while (!answer) std::this_thread::sleep_for(milliseconds(5));
      }
      passage.Answered();
    });
  }
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(turns.load(), 1);  // the prober; the rest wait although their backoff is long over
  const auto answered = Clock::now();
  answer = true;
  for (auto& request : requests) request.join();
  EXPECT_EQ(turns.load(), 4);
  EXPECT_LT(SecondsSince(answered), 0.2);  // woken by the answer, not by a timer
}

TEST(EndpointGateTest, ThePermanentOutageEndsWhenTheBudgetIsSpentNamingWhatFailed) {
  EndpointGate gate(kEndpoint, Policy(milliseconds(400)), nullptr);
  const auto start = Clock::now();
  std::vector<std::string> messages(3);
  std::vector<double> seconds(3);
  std::vector<std::thread> requests;
  for (int i = 0; i < 3; ++i) {
    requests.emplace_back([&, i] {
      EndpointGate::Passage passage(gate, "GetObject s3://b/k" + std::to_string(i));
      try {
        for (;;) {
          passage.WaitForTurn();
          passage.Failed(Refused());
        }
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::kTransient);
        messages[i] = e.what();
        seconds[i] = SecondsSince(start);
      }
    });
  }
  for (auto& request : requests) request.join();
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(seconds[i], 0.4);
    EXPECT_LT(seconds[i], 1.5);
    const std::string& m = messages[i];
    EXPECT_NE(m.find("GetObject s3://b/k" + std::to_string(i) + " failed"), std::string::npos) << m;
    EXPECT_NE(m.find(kEndpoint), std::string::npos) << m;
    EXPECT_NE(m.find("kept failing for 0."), std::string::npos) << m;
    EXPECT_NE(m.find("retry time budget of 0.4 s"), std::string::npos) << m;
    EXPECT_NE(m.find("refused"), std::string::npos) << m;
  }
  // A request that comes after the budget is spent gets one try, not another budget.
  EndpointGate::Passage late(gate, "late");
  late.WaitForTurn();
  const auto tried = Clock::now();
  EXPECT_THROW(late.Failed(Refused()), Error);
  EXPECT_LT(SecondsSince(tried), 0.1);
}

TEST(EndpointGateTest, CancellationWakesWaiters) {
  CancellationToken cancel;
  EndpointGate gate(kEndpoint, Policy(milliseconds(60'000)), &cancel);
  FailOnce(gate);
  EndpointGate::Passage prober(gate, "prober");
  prober.WaitForTurn();  // probing, with no verdict yet: everyone else waits
  std::atomic<bool> cancelled_error{false};
  std::thread waiter([&] {
    EndpointGate::Passage passage(gate, "waiter");
    try {
      passage.WaitForTurn();
    } catch (const Error& e) {
      cancelled_error = e.kind() == ErrorKind::kCancelled && e.code() == "cancelled";
    }
  });
  std::this_thread::sleep_for(milliseconds(200));
  const auto cancelled = Clock::now();
  cancel.Cancel();
  waiter.join();
  EXPECT_LT(SecondsSince(cancelled), 0.1);
  EXPECT_TRUE(cancelled_error.load());
  // Retries stop too; a first attempt to an endpoint that is up still goes out (an upload
  // can be aborted on the way out).
  prober.Failed(Refused());
  EXPECT_THROW(prober.WaitForTurn(), Error);
  EndpointGate up_gate(kEndpoint, Policy(milliseconds(60'000)), &cancel);
  EndpointGate::Passage first(up_gate, "abort on the way out");
  first.WaitForTurn();
  EXPECT_EQ(first.attempts(), 1);
}

TEST(EndpointGateTest, OnlyFailuresWhileTheEndpointAnswersOthersCountAsAttempts) {
  EndpointGate gate(kEndpoint, Policy(milliseconds(10'000), 3), nullptr);
  EndpointGate::Passage broken(gate, "PutObject s3://b/broken");
  // Its own probes during the outage it caused do not count...
  for (int i = 0; i < 5; ++i) {
    broken.WaitForTurn();
    broken.Failed(Refused());
  }
  // ...but each failure after another request got an answer does.
  auto answer = [&] {
    EndpointGate::Passage other(gate, "other");
    other.WaitForTurn();
    other.Answered();
  };
  answer();
  broken.WaitForTurn();
  broken.Failed(Refused());
  answer();
  broken.WaitForTurn();
  try {
    broken.Failed(Refused());
    FAIL() << "a request failing on its own was retried past max_attempts";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
    EXPECT_NE(std::string(e.what()).find("refused (gave up after 7 attempts)"), std::string::npos)
        << e.what();
  }
}

TEST(EndpointGateTest, TotalsCountEveryRetryAndTheWaitBeforeIt) {
  EndpointGate gate(kEndpoint, Policy(milliseconds(10'000)), nullptr);
  EndpointGate::Passage healthy(gate, "healthy");
  healthy.WaitForTurn();
  healthy.Answered();
  EXPECT_EQ(gate.totals().retries, 0u);  // a first attempt is not a retry

  EndpointGate::Passage flaky(gate, "flaky");
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < 3; ++i) {
    flaky.WaitForTurn();
    flaky.Failed(Refused());
  }
  flaky.WaitForTurn();
  flaky.Answered();
  const double elapsed = SecondsSince(start);
  const EndpointGate::Totals totals = gate.totals();
  EXPECT_EQ(totals.retries, 3u);
  const double waited = std::chrono::duration<double>(totals.waited).count();
  EXPECT_GT(waited, 0.0);  // probes of a down endpoint are spaced by a backoff
  EXPECT_LE(waited, elapsed);
}

Error SlowDown() {
  return Error(ErrorKind::kTransient, "PUT http://endpoint.test:9/k: HTTP 503 SlowDown",
               "SlowDown");
}

ConcurrencyLimit::Options Width(int ceiling) {
  ConcurrencyLimit::Options options;
  options.ceiling = ceiling;
  return options;
}

TEST(EndpointGateTest, WithALimitARequestWaitsForASlotUntilOneInFlightEnds) {
  EndpointGate gate(kEndpoint, Policy(milliseconds(10'000)), nullptr, Width(2));
  EndpointGate::Passage one(gate, "one"), two(gate, "two");
  one.WaitForTurn();
  two.WaitForTurn();
  std::atomic<bool> third_sent{false};
  std::thread third([&] {
    EndpointGate::Passage passage(gate, "third");
    passage.WaitForTurn();
    third_sent = true;
    passage.Answered();
  });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(third_sent) << "a third request went out past a limit of two";
  one.Answered();
  third.join();
  EXPECT_TRUE(third_sent);
  two.Answered();
  EXPECT_EQ(gate.totals().concurrency.start, 2);
}

TEST(EndpointGateTest, ThrottlingWhileUpCutsTheLimitOnceAndDoesNotUseUpAttempts) {
  EndpointGate gate(kEndpoint, Policy(milliseconds(10'000), 2), nullptr, Width(8));
  std::vector<std::unique_ptr<EndpointGate::Passage>> burst;
  for (int i = 0; i < 8; ++i) {
    burst.push_back(std::make_unique<EndpointGate::Passage>(gate, "burst"));
    burst.back()->WaitForTurn();
  }
  // The whole burst is throttled: the first answer cuts (8 in flight -> 4) and marks the
  // endpoint down; the rest belong to the same episode.
  for (auto& passage : burst) passage->Throttled(SlowDown());
  EndpointGate::Totals totals = gate.totals();
  EXPECT_EQ(totals.throttled, 8u);
  EXPECT_EQ(totals.concurrency.min, 4);
  EXPECT_EQ(totals.concurrency.cuts, 1u);
  // A probe gets through; the endpoint is up with half the width.
  burst[0]->WaitForTurn();
  burst[0]->Answered();
  EXPECT_EQ(gate.totals().concurrency.current, 4);
  // Throttled first again and again while up: more than max_attempts (2) times, still
  // retried (each is a new episode, so each cuts, down to 1).
  EndpointGate::Passage again(gate, "again");
  for (int i = 0; i < 4; ++i) {
    again.WaitForTurn();
    again.Throttled(SlowDown());
    EndpointGate::Passage other(gate, "other");
    other.WaitForTurn();
    other.Answered();
  }
  EXPECT_EQ(gate.totals().concurrency.min, 1);
  again.WaitForTurn();
  again.Answered();
  burst.clear();
}

TEST(EndpointGateTest, WithoutALimitNothingWaitsAndConcurrencyIsReportedAsZero) {
  EndpointGate gate(kEndpoint, Policy(milliseconds(10'000)), nullptr);
  std::vector<std::unique_ptr<EndpointGate::Passage>> many;
  for (int i = 0; i < 500; ++i) {
    many.push_back(std::make_unique<EndpointGate::Passage>(gate, "many"));
    many.back()->WaitForTurn();
  }
  for (auto& passage : many) passage->Answered();
  EXPECT_EQ(gate.totals().concurrency.start, 0);
  EXPECT_EQ(gate.totals().concurrency.min, 0);
}

TEST(RetryPolicyTest, ProbesOfAnEndpointThatIsDownAreNeverFurtherApartThanMaxProbeDelay) {
  RetryPolicy policy;  // 100 ms base, 20 s cap for retries, 5 s for probes
  std::mt19937_64 random(1);
  milliseconds longest_probe{0}, longest_retry{0};
  for (int n = 0; n < 2000; ++n) {
    longest_probe = std::max(longest_probe, policy.ProbeBackoff(n % 20, random));
    longest_retry = std::max(longest_retry, policy.Backoff(n % 20, random));
  }
  EXPECT_LE(longest_probe, milliseconds(5'000));
  EXPECT_GT(longest_probe, milliseconds(4'000));
  EXPECT_GT(longest_retry, milliseconds(10'000));
}

}  // namespace
}  // namespace unpackd::net
