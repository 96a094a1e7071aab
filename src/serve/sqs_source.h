// SqsSource: the Amazon SQS event source. S3 sends its event notifications to a queue
// (directly, through an SNS topic, or through an EventBridge rule); this loop long-polls the
// queue and offers each message's body to the EventIntake.
//
// A message is deleted only after the intake returned, that is after every job it starts is
// durable in the job store: a crash at any point loses nothing (SQS hands the message out again
// after its visibility timeout, and the job store folds the duplicate). Otherwise:
//   - malformed (the intake counted and logged why): left alone, so the queue's redrive policy
//     moves it to the dead-letter queue after maxReceiveCount receives. A queue without one
//     hands it out again after every visibility timeout until its retention period ends.
//   - the intake cannot decide now (the store or the job store is unreachable): made visible
//     again after a backoff that grows with its receive count, so it is retried soon instead of
//     after the whole visibility timeout.
// While a message waits for or is in its offer (the intake's HEAD may retry for minutes), a
// heartbeat extends its visibility every half timeout, so no other consumer receives it.
//
// Receive failures (a dead endpoint, wrong credentials, a missing queue) are logged and retried
// with a growing pause: the source never ends on its own. Stop abandons a long poll within
// about a second; messages received but not yet offered are handed back at once.
//
// Fleet mode (a FleetRunner given): each message runs to its job's end on the executor's
// service lane, at most `slots` at once (a receive asks for no more than the free slots), its
// visibility extended by the heartbeat all the while; then what the run publishes (shard jobs,
// a retry) is sent to the same queue, and only then is the message deleted (or handed back,
// or left for the redrive policy when malformed). A worker that dies leaves its messages to
// come back after their visibility timeout, to another worker. Stop ends receiving; the runs
// in progress end (the service bounds that with its grace period) and are settled before Run
// returns.
//
// Thread safety: Run on one thread (it runs the heartbeat on the executor's service lane: the
// service lane needs two threads for this source); Stop from any thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "rules/service_config.h"
#include "serve/event_intake.h"
#include "serve/fleet_runner.h"
#include "serve/service_log.h"
#include "serve/service_metrics.h"
#include "util/cancellation.h"
#include "util/executor.h"
#include "util/mutex.h"
#include "util/task_group.h"

namespace unpackd {

namespace aws {
struct SqsClientConfig;
struct SqsMessage;
class SqsClient;
}  // namespace aws

class SqsSource {
 public:
  // Borrows everything but `client`, whose queue URL, endpoint and region come from `config`.
  // Throws Error(kUsage, "bad-config") for a queue URL or endpoint that is not an http(s) URL.
  SqsSource(const SqsSourceConfig& config, const aws::SqsClientConfig& client, EventIntake& intake,
            Executor& executor, ServiceMetrics& metrics, ServiceLog& log);
  // Fleet mode: messages go to `fleet`, at most `slots` at once.
  SqsSource(const SqsSourceConfig& config, const aws::SqsClientConfig& client, FleetRunner& fleet,
            size_t slots, Executor& executor, ServiceMetrics& metrics, ServiceLog& log);
  ~SqsSource();
  SqsSource(const SqsSource&) = delete;
  SqsSource& operator=(const SqsSource&) = delete;

  // Receives and offers until Stop. Nothing here throws.
  void Run();
  // Makes Run return within about a second (an offer in progress finishes first). Idempotent.
  void Stop();

 private:
  using Clock = std::chrono::steady_clock;

  SqsSource(const SqsSourceConfig& config, const aws::SqsClientConfig& client, EventIntake* intake,
            FleetRunner* fleet, size_t slots, Executor& executor, ServiceMetrics& metrics,
            ServiceLog& log);
  // Offers one message and deletes it, leaves it, or hands it back later.
  void Handle(const aws::SqsMessage& message);
  // Fleet mode: runs one message on the service lane, then settles it.
  void StartRun(FleetRunner& fleet, const aws::SqsMessage& message);
  void Settle(const aws::SqsMessage& message, const FleetVerdict& verdict);
  // Fleet mode: waits for a free slot; returns how many are free, 0 when stopping.
  size_t WaitForFreeSlots();
  // Makes `message` visible again after `seconds`; logs a failure (it then comes back after
  // its visibility timeout anyway).
  void HandBack(const aws::SqsMessage& message, int seconds);
  // Extends the visibility of every held message whose last extension is half a timeout old.
  void Heartbeat();
  void Hold(const std::string& receipt_handle);
  void Release(const std::string& receipt_handle);
  bool Held(const std::string& receipt_handle);
  // Waits `pause` or until Stop; false when stopping.
  bool Pause(std::chrono::milliseconds pause);

  const SqsSourceConfig config_;
  EventIntake* const intake_;  // or, in fleet mode:
  FleetRunner* const fleet_;
  const size_t slots_;
  Executor& executor_;
  ServiceMetrics& metrics_;
  ServiceLog& log_;
  // Cancelled by Stop: abandons the long poll and ends the client's retries.
  CancellationToken stop_;
  std::unique_ptr<aws::SqsClient> client_;
  // For what must still be done after Stop: settling messages whose runs end after it, and
  // extending their visibility meanwhile. Never cancelled.
  std::unique_ptr<aws::SqsClient> settle_client_;
  std::unique_ptr<TaskGroup> runs_;  // fleet mode

  Mutex mutex_;
  CondVar wake_;  // Stop, or a message to heartbeat
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool heartbeat_done_ GUARDED_BY(mutex_) = false;  // every held message is settled
  size_t running_ GUARDED_BY(mutex_) = 0;           // fleet runs not yet settled
  // Receipt handles of the messages received and not yet settled -> their last extension.
  std::map<std::string, Clock::time_point> held_ GUARDED_BY(mutex_);
};

}  // namespace unpackd
