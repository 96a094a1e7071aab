// AmqpSource: consumes S3 event records from an AMQP 0-9-1 queue (RabbitMQ), where radosgw
// and MinIO publish bucket notifications. Each delivery is offered to EventIntake and
// acknowledged only after it returns, so an acknowledged event's job is durable; a crash
// before the ack leaves the message with the broker, which delivers it again (the job store
// folds the duplicate).
//
// Per delivery:
//   recorded (or ignored by rule)   -> ack;
//   malformed, or unusable input    -> reject without requeue: the queue's dead-letter
//                                      exchange gets it when one is configured, else the
//                                      broker drops it (counted and logged with the reason);
//   cannot decide now (job store or S3 unavailable)
//                                   -> nack with requeue after a short backoff.
// At most `prefetch` deliveries are unacknowledged at once (basic.qos).
//
// The broker may be down at start or go away mid-run: the loop reconnects with exponential
// backoff (set-up included: exchange, queue, binding, prefetch, consumer), logging each
// failure; it never throws and never spins.
//
// Fleet mode (a FleetRunner given): each delivery runs to its job's end on the executor's
// service lane, at most `prefetch` at once, and is settled only then, on this loop's thread
// (the connection is not thread-safe): what the run publishes (shard jobs, a retry) first,
// each confirmed by the broker, then the ack, reject or requeue. A worker that dies holds its
// deliveries unacknowledged; the broker hands them to another consumer when the connection
// closes. A run that outlives its connection is not settled: the broker has already requeued
// its delivery. Stop lets running jobs end (the service bounds that with its grace period)
// and settles them before Run returns; deliveries arriving meanwhile are handed back.
//
// Thread safety: Run on one thread (the executor's service lane); Stop from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "queue/amqp/amqp_url.h"
#include "rules/service_config.h"
#include "serve/event_intake.h"
#include "serve/fleet_runner.h"
#include "serve/service_log.h"
#include "serve/service_metrics.h"
#include "util/executor.h"
#include "util/mutex.h"
#include "util/task_group.h"

namespace unpackd {

namespace amqp {
class AmqpConnection;
struct AmqpDelivery;
}  // namespace amqp

class AmqpSource {
 public:
  // Borrows everything. Throws Error(kUsage, "bad-config") for a malformed URL or an empty
  // queue name; connects only in Run.
  AmqpSource(const AmqpSourceConfig& config, EventIntake& intake, ServiceMetrics& metrics,
             ServiceLog& log);
  // Fleet mode: deliveries go to `fleet`, run on `executor`'s service lane.
  AmqpSource(const AmqpSourceConfig& config, FleetRunner& fleet, Executor& executor,
             ServiceMetrics& metrics, ServiceLog& log);
  ~AmqpSource();
  AmqpSource(const AmqpSource&) = delete;
  AmqpSource& operator=(const AmqpSource&) = delete;

  // Connects and consumes until Stop. Nothing here throws.
  void Run();
  // Makes Run return within about kPollInterval (or a connect timeout, while connecting).
  // Idempotent; the broker requeues whatever was delivered and not yet acknowledged.
  void Stop();

  // How long Receive waits before the stop flag is looked at again.
  static constexpr std::chrono::milliseconds kPollInterval{200};

 private:
  // Connects and sets up the consumer; throws the connection's Error.
  std::unique_ptr<amqp::AmqpConnection> Connect();
  void Handle(amqp::AmqpConnection& connection, const amqp::AmqpDelivery& delivery);
  // Fleet mode: starts the delivery's run.
  void StartRun(FleetRunner& fleet, const amqp::AmqpDelivery& delivery);
  // Fleet mode: settles the runs that ended on this connection; drops those of older ones.
  void SettleEnded(amqp::AmqpConnection& connection);
  // Fleet mode, stopping: settles runs as they end, handing back new deliveries at once.
  void DrainRuns(amqp::AmqpConnection& connection);
  // Waits `duration` unless stopped first; false when stopping.
  bool Pause(std::chrono::milliseconds duration);
  bool stopping();

  // A fleet run's end, waiting for the loop to settle it.
  struct Settlement {
    uint64_t connection = 0;  // connections_ when it was delivered
    uint64_t delivery_tag = 0;
    FleetVerdict verdict;
  };

  const AmqpSourceConfig config_;
  const amqp::AmqpEndpoint endpoint_;
  EventIntake* const intake_ = nullptr;  // or, in fleet mode:
  FleetRunner* const fleet_ = nullptr;
  ServiceMetrics& metrics_;
  ServiceLog& log_;
  Mutex mutex_;
  CondVar wake_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  uint64_t connections_ GUARDED_BY(mutex_) = 0;  // connections made so far
  size_t runs_ GUARDED_BY(mutex_) = 0;           // fleet runs not yet ended
  std::vector<Settlement> ended_ GUARDED_BY(mutex_);
  std::unique_ptr<TaskGroup> run_tasks_;  // fleet mode
};

}  // namespace unpackd
