#include "serve/amqp_source.h"

#include <algorithm>

#include "queue/amqp/amqp_connection.h"
#include "util/error.h"

namespace unpackd {

namespace {

constexpr const char* kSource = "amqp";
// Reconnect backoff: quick at first (a broker restart takes seconds), capped so an outage
// costs a log line every few seconds, not a spin.
constexpr std::chrono::milliseconds kFirstRetry{200};
constexpr std::chrono::milliseconds kMaxRetry{10000};
// Before a delivery that could not be recorded is requeued: the broker hands it straight
// back, so without a pause an unavailable job store or S3 would be a busy loop.
constexpr std::chrono::milliseconds kRequeueDelay{1000};
// How long the broker may take to confirm a published message (a persistent message is on its
// disk by then).
constexpr std::chrono::milliseconds kConfirmTimeout{30000};

amqp::AmqpEndpoint ParseEndpoint(const AmqpSourceConfig& config) {
  if (config.queue.empty()) {
    throw Error(ErrorKind::kUsage, "sources.amqp.queue must name a queue", "bad-config");
  }
  try {
    return amqp::ParseAmqpUrl(config.url);
  } catch (const Error& e) {
    throw e.WithContext("sources.amqp.url");
  }
}

}  // namespace

AmqpSource::AmqpSource(const AmqpSourceConfig& config, EventIntake& intake, ServiceMetrics& metrics,
                       ServiceLog& log)
    : config_(config),
      endpoint_(ParseEndpoint(config)),
      intake_(&intake),
      metrics_(metrics),
      log_(log) {}

AmqpSource::AmqpSource(const AmqpSourceConfig& config, FleetRunner& fleet, Executor& executor,
                       ServiceMetrics& metrics, ServiceLog& log)
    : config_(config),
      endpoint_(ParseEndpoint(config)),
      fleet_(&fleet),
      metrics_(metrics),
      log_(log),
      run_tasks_(std::make_unique<TaskGroup>(executor, Lane::kService)) {}

AmqpSource::~AmqpSource() {
  if (run_tasks_) run_tasks_->WaitNoThrow();
}

void AmqpSource::Stop() {
  MutexLock lock(mutex_);
  stopping_ = true;
  wake_.NotifyAll();
}

bool AmqpSource::stopping() {
  MutexLock lock(mutex_);
  return stopping_;
}

bool AmqpSource::Pause(std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  MutexLock lock(mutex_);
  while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
    wake_.WaitUntil(mutex_, deadline);
  }
  return !stopping_;
}

std::unique_ptr<amqp::AmqpConnection> AmqpSource::Connect() {
  amqp::AmqpConnectOptions options;
  options.connect_timeout = std::chrono::milliseconds(3000);
  options.heartbeat_seconds = config_.heartbeat_seconds;
  auto connection = std::make_unique<amqp::AmqpConnection>(endpoint_, options);
  if (!config_.exchange.empty()) {
    // radosgw publishes to an exchange it expects to exist; declaring it (durable, topic:
    // routing key = topic name) makes the pair work in either start order.
    connection->DeclareExchange(config_.exchange, "topic");
    connection->DeclareQueue(config_.queue, {});
    connection->BindQueue(config_.queue, config_.exchange, config_.binding_key);
  }
  connection->SetPrefetch(config_.prefetch);
  if (fleet_ != nullptr) connection->EnableConfirms();
  connection->Consume(config_.queue);
  {
    MutexLock lock(mutex_);
    ++connections_;
  }
  return connection;
}

void AmqpSource::Run() {
  log_.Write("info", "consuming AMQP queue",
             {{"broker", endpoint_.Describe()},
              {"queue", config_.queue},
              {"exchange", config_.exchange},
              {"prefetch", config_.prefetch}});
  std::chrono::milliseconds retry = kFirstRetry;
  while (!stopping()) {
    try {
      const std::unique_ptr<amqp::AmqpConnection> connection = Connect();
      metrics_.SetSourceConnected(kSource, true);
      log_.Write("info", "AMQP consumer connected",
                 {{"broker", endpoint_.Describe()}, {"queue", config_.queue}});
      retry = kFirstRetry;
      while (!stopping()) {
        if (auto delivery = connection->Receive(kPollInterval)) Handle(*connection, *delivery);
        if (fleet_ != nullptr) SettleEnded(*connection);
      }
      if (fleet_ != nullptr) DrainRuns(*connection);
    } catch (const std::exception& e) {
      // Every failure of the broker or the connection lands here: start over, later.
      const Error* error = dynamic_cast<const Error*>(&e);
      metrics_.SetSourceConnected(kSource, false);
      log_.Write("warn", "AMQP consumer disconnected; reconnecting",
                 {{"broker", endpoint_.Describe()},
                  {"queue", config_.queue},
                  {"error", e.what()},
                  {"code", error != nullptr ? error->code() : ""},
                  {"retry_ms", retry.count()}});
      if (!Pause(retry)) break;
      retry = std::min(retry * 2, kMaxRetry);
    }
  }
  // Runs that outlived their connection: nobody can settle them, the broker requeued them.
  if (run_tasks_) run_tasks_->WaitNoThrow();
  metrics_.SetSourceConnected(kSource, false);
  log_.Write("info", "AMQP consumer stopped", {{"queue", config_.queue}});
}

void AmqpSource::StartRun(FleetRunner& fleet, const amqp::AmqpDelivery& delivery) {
  uint64_t connection = 0;
  {
    MutexLock lock(mutex_);
    connection = connections_;
    ++runs_;
  }
  run_tasks_->Run([this, &fleet, connection, tag = delivery.delivery_tag, body = delivery.body] {
    Settlement ended{connection, tag, fleet.Run(body, kSource)};
    MutexLock lock(mutex_);
    ended_.push_back(std::move(ended));
    --runs_;
    wake_.NotifyAll();
  });
}

void AmqpSource::SettleEnded(amqp::AmqpConnection& connection) {
  std::vector<Settlement> ended;
  uint64_t current = 0;
  {
    MutexLock lock(mutex_);
    ended.swap(ended_);
    current = connections_;
  }
  for (const Settlement& settlement : ended) {
    if (settlement.connection != current) continue;  // the broker requeued it when that closed
    const nlohmann::json where = {{"queue", config_.queue},
                                  {"delivery_tag", settlement.delivery_tag},
                                  {"reason", settlement.verdict.reason}};
    // Published and confirmed before the ack: a crash in between runs the job again (it finds
    // its work done), never loses the messages that carry it on.
    for (const std::string& message : settlement.verdict.publish) {
      connection.PublishConfirmed("", config_.queue, message, kConfirmTimeout);
      metrics_.CountDelivery(kSource, "published");
    }
    switch (settlement.verdict.settle) {
      case FleetVerdict::Settle::kAck:
        connection.Ack(settlement.delivery_tag);
        metrics_.CountDelivery(kSource, "acked");
        break;
      case FleetVerdict::Settle::kReject:
        connection.Reject(settlement.delivery_tag, /*requeue=*/false);
        metrics_.CountDelivery(kSource, "rejected");
        log_.Write("warn", "AMQP delivery rejected", where);
        break;
      case FleetVerdict::Settle::kRequeue:
        connection.Nack(settlement.delivery_tag, /*requeue=*/true);
        metrics_.CountDelivery(kSource, "requeued");
        break;
    }
  }
}

void AmqpSource::DrainRuns(amqp::AmqpConnection& connection) {
  for (;;) {
    {
      MutexLock lock(mutex_);
      if (runs_ == 0) break;
    }
    if (auto delivery = connection.Receive(kPollInterval)) {
      connection.Nack(delivery->delivery_tag, /*requeue=*/true);
      metrics_.CountDelivery(kSource, "requeued");
    }
    SettleEnded(connection);
  }
  SettleEnded(connection);
}

void AmqpSource::Handle(amqp::AmqpConnection& connection, const amqp::AmqpDelivery& delivery) {
  const nlohmann::json where = {{"queue", config_.queue},
                                {"routing_key", delivery.routing_key},
                                {"delivery_tag", delivery.delivery_tag},
                                {"redelivered", delivery.redelivered}};
  if (fleet_ != nullptr) {
    StartRun(*fleet_, delivery);
    return;
  }
  try {
    intake_->OfferMessage(delivery.body, kSource);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kUsage) {
      // Malformed, or naming what no store can hold: it will never succeed, so it goes to
      // the dead-letter exchange (if the queue has one) rather than round and round.
      connection.Reject(delivery.delivery_tag, /*requeue=*/false);
      metrics_.CountDelivery(kSource, "rejected");
      nlohmann::json fields = where;
      fields["reason"] = e.what();
      fields["code"] = e.code();
      log_.Write("warn", "AMQP delivery rejected", fields);
      return;
    }
    nlohmann::json fields = where;
    fields["error"] = e.what();
    fields["retry_ms"] = kRequeueDelay.count();
    log_.Write("warn", "could not record an AMQP delivery; requeueing", fields);
    Pause(kRequeueDelay);  // when stopping, give it back at once
    connection.Nack(delivery.delivery_tag, /*requeue=*/true);
    metrics_.CountDelivery(kSource, "requeued");
    return;
  } catch (const std::exception& e) {
    // A bug met on this input: park the message for inspection instead of crashing or
    // looping on it.
    connection.Reject(delivery.delivery_tag, /*requeue=*/false);
    metrics_.CountDelivery(kSource, "rejected");
    nlohmann::json fields = where;
    fields["reason"] = e.what();
    log_.Write("error", "AMQP delivery rejected after an unexpected failure", fields);
    return;
  }
  connection.Ack(delivery.delivery_tag);
  metrics_.CountDelivery(kSource, "acked");
}

}  // namespace unpackd
