#include "serve/sqs_source.h"

#include <algorithm>
#include <vector>

#include "cloud/aws/sqs_client.h"
#include "util/error.h"
#include "util/task_group.h"

namespace unpackd {

namespace {

// Hand-back delay for a message the intake could not decide: 5 s, doubled with every receive,
// at most 5 minutes. A short outage is retried within seconds; a long one costs few receives,
// so a redrive policy with maxReceiveCount of 10 or more rides out about half an hour.
int RetryDelaySeconds(int receive_count) {
  const int doublings = std::clamp(receive_count - 1, 0, 6);
  return std::min(300, 5 << doublings);
}

// Pause after the n-th receive failure in a row: 1 s doubling to 30 s, so a dead endpoint or
// revoked credentials neither spin nor go unnoticed for long once fixed.
std::chrono::milliseconds ReceivePause(int failures) {
  const int doublings = std::clamp(failures - 1, 0, 5);
  return std::min(std::chrono::milliseconds(30'000), std::chrono::milliseconds(1000 << doublings));
}

const char* Hint(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::kAccessDenied:
      return "check the credentials and that they allow sqs:ReceiveMessage, sqs:DeleteMessage "
             "and sqs:ChangeMessageVisibility on the queue";
    case ErrorKind::kNotFound:
      return "check sources.sqs.queue_url (and the region)";
    default:
      return "";
  }
}

}  // namespace

SqsSource::SqsSource(const SqsSourceConfig& config, const aws::SqsClientConfig& client,
                     EventIntake& intake, Executor& executor, ServiceMetrics& metrics,
                     ServiceLog& log)
    : SqsSource(config, client, &intake, nullptr, 0, executor, metrics, log) {}

SqsSource::SqsSource(const SqsSourceConfig& config, const aws::SqsClientConfig& client,
                     FleetRunner& fleet, size_t slots, Executor& executor, ServiceMetrics& metrics,
                     ServiceLog& log)
    : SqsSource(config, client, nullptr, &fleet, slots, executor, metrics, log) {}

SqsSource::SqsSource(const SqsSourceConfig& config, const aws::SqsClientConfig& client,
                     EventIntake* intake, FleetRunner* fleet, size_t slots, Executor& executor,
                     ServiceMetrics& metrics, ServiceLog& log)
    : config_(config),
      intake_(intake),
      fleet_(fleet),
      slots_(std::max<size_t>(slots, 1)),
      executor_(executor),
      metrics_(metrics),
      log_(log) {
  aws::SqsClientConfig own = client;
  own.queue_url = config_.queue_url;
  own.endpoint = config_.endpoint;
  own.region = config_.region;
  settle_client_ = std::make_unique<aws::SqsClient>(own);
  own.cancel = &stop_;
  client_ = std::make_unique<aws::SqsClient>(own);
  if (fleet_ != nullptr) runs_ = std::make_unique<TaskGroup>(executor_, Lane::kService);
}

SqsSource::~SqsSource() = default;

void SqsSource::Stop() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
    wake_.NotifyAll();
  }
  stop_.Cancel();
}

bool SqsSource::Pause(std::chrono::milliseconds pause) {
  const auto until = Clock::now() + pause;
  MutexLock lock(mutex_);
  while (!stopping_ && Clock::now() < until) wake_.WaitUntil(mutex_, until);
  return !stopping_;
}

void SqsSource::Hold(const std::string& receipt_handle) {
  MutexLock lock(mutex_);
  held_[receipt_handle] = Clock::now();
  wake_.NotifyAll();
}

void SqsSource::Release(const std::string& receipt_handle) {
  MutexLock lock(mutex_);
  held_.erase(receipt_handle);
}

bool SqsSource::Held(const std::string& receipt_handle) {
  MutexLock lock(mutex_);
  return held_.contains(receipt_handle);
}

void SqsSource::Run() {
  log_.Write("info", "consuming SQS queue",
             {{"queue_url", config_.queue_url},
              {"region", client_->region()},
              {"wait_seconds", config_.wait_seconds},
              {"visibility_timeout_seconds", config_.visibility_timeout_seconds}});
  TaskGroup heartbeat(executor_, Lane::kService);
  heartbeat.Run([this] { Heartbeat(); });
  aws::ReceiveOptions receive;
  receive.max_messages = config_.max_messages;
  receive.wait_seconds = config_.wait_seconds;
  receive.visibility_seconds = config_.visibility_timeout_seconds;
  receive.abort_on = &stop_;
  int failures = 0;
  while (!stop_.cancelled()) {
    if (fleet_ != nullptr) {
      const size_t free = WaitForFreeSlots();
      if (free == 0) break;
      receive.max_messages =
          static_cast<int>(std::min<size_t>(static_cast<size_t>(config_.max_messages), free));
    }
    std::vector<aws::SqsMessage> batch;
    try {
      batch = client_->ReceiveMessage(receive);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kCancelled) break;
      ++failures;
      metrics_.SetSourceConnected("sqs", false);
      const std::chrono::milliseconds pause = ReceivePause(failures);
      log_.Write(e.kind() == ErrorKind::kTransient ? "warn" : "error",
                 "cannot receive from the SQS queue; trying again",
                 {{"queue_url", config_.queue_url},
                  {"error", e.what()},
                  {"code", e.code()},
                  {"hint", Hint(e)},
                  {"failures_in_a_row", failures},
                  {"retry_in_ms", pause.count()}});
      Pause(pause);
      continue;
    }
    metrics_.SetSourceConnected("sqs", true);
    if (failures > 0) {
      log_.Write("info", "SQS queue reachable again", {{"queue_url", config_.queue_url}});
      failures = 0;
    }
    // Short polls (wait_seconds = 0) of an empty queue would otherwise spin.
    if (batch.empty() && config_.wait_seconds == 0) Pause(std::chrono::seconds(1));
    for (const aws::SqsMessage& message : batch) Hold(message.receipt_handle);
    size_t next = 0;
    for (; next < batch.size() && !stop_.cancelled(); ++next) {
      if (fleet_ != nullptr) {
        StartRun(*fleet_, batch[next]);
      } else {
        Handle(batch[next]);
      }
    }
    // Stopping with messages not yet offered: another consumer (or the next start) may have
    // them now rather than after the visibility timeout.
    for (; next < batch.size(); ++next) {
      Release(batch[next].receipt_handle);
      metrics_.CountDelivery("sqs", "handed-back");
      HandBack(batch[next], 0);
    }
  }
  if (runs_) runs_->WaitNoThrow();  // each run settles its own message
  Stop();                           // when the loop ended on its own
  {
    MutexLock lock(mutex_);
    heartbeat_done_ = true;
    wake_.NotifyAll();
  }
  heartbeat.Wait();
  log_.Write("info", "SQS source stopped", {{"queue_url", config_.queue_url}});
}

size_t SqsSource::WaitForFreeSlots() {
  MutexLock lock(mutex_);
  while (!stopping_ && running_ >= slots_) wake_.Wait(mutex_);
  return stopping_ ? 0 : slots_ - running_;
}

void SqsSource::StartRun(FleetRunner& fleet, const aws::SqsMessage& message) {
  {
    MutexLock lock(mutex_);
    ++running_;
  }
  runs_->Run([this, &fleet, message] {
    Settle(message, fleet.Run(message.body, "sqs"));
    MutexLock lock(mutex_);
    --running_;
    wake_.NotifyAll();
  });
}

void SqsSource::Settle(const aws::SqsMessage& message, const FleetVerdict& verdict) {
  const nlohmann::json where = {{"message_id", message.message_id},
                                {"receive_count", message.receive_count},
                                {"reason", verdict.reason}};
  // Sent before the delete: a crash in between runs the job again (it finds its work done),
  // never loses the messages that carry it on.
  try {
    for (const std::string& body : verdict.publish) {
      settle_client_->SendMessage(body);
      metrics_.CountDelivery("sqs", "published");
    }
  } catch (const Error& e) {
    Release(message.receipt_handle);
    nlohmann::json fields = where;
    fields["error"] = e.what();
    log_.Write("warn", "could not send the jobs an SQS message leads to; it comes back later",
               fields);
    HandBack(message, RetryDelaySeconds(message.receive_count));
    return;
  }
  Release(message.receipt_handle);
  switch (verdict.settle) {
    case FleetVerdict::Settle::kAck:
      try {
        settle_client_->DeleteMessage(message.receipt_handle);
        metrics_.CountDelivery("sqs", "deleted");
      } catch (const Error& e) {
        nlohmann::json fields = where;
        fields["error"] = e.what();
        log_.Write(
            "warn",
            "could not delete a settled SQS message; it will run again and find its job done",
            fields);
      }
      break;
    case FleetVerdict::Settle::kReject:
      metrics_.CountDelivery("sqs", "malformed");
      log_.Write("warn", "malformed SQS message left for the queue's dead-letter queue", where);
      break;
    case FleetVerdict::Settle::kRequeue:
      metrics_.CountDelivery("sqs", "retry-later");
      HandBack(message,
               verdict.reason == "stopping" ? 0 : RetryDelaySeconds(message.receive_count));
      break;
  }
}

void SqsSource::Handle(const aws::SqsMessage& message) {
  try {
    intake_->OfferMessage(message.body, "sqs");
  } catch (const std::exception& e) {
    Release(message.receipt_handle);
    const auto* error = dynamic_cast<const Error*>(&e);
    if (error != nullptr && error->kind() == ErrorKind::kUsage) {
      // The intake logged why. Deleting would lose the evidence: the redrive policy keeps it.
      metrics_.CountDelivery("sqs", "malformed");
      log_.Write("warn", "malformed SQS message left for the queue's dead-letter queue",
                 {{"message_id", message.message_id},
                  {"receive_count", message.receive_count},
                  {"reason", e.what()},
                  {"hint",
                   "without a redrive policy on the queue it comes back after every "
                   "visibility timeout"}});
      return;
    }
    const int delay = RetryDelaySeconds(message.receive_count);
    metrics_.CountDelivery("sqs", "retry-later");
    log_.Write("warn", "could not record an SQS message's events; it comes back later",
               {{"message_id", message.message_id},
                {"receive_count", message.receive_count},
                {"retry_in_seconds", delay},
                {"error", e.what()}});
    HandBack(message, delay);
    return;
  }
  // Every job the message started is durable: only now may SQS forget it.
  Release(message.receipt_handle);
  try {
    client_->DeleteMessage(message.receipt_handle);
    metrics_.CountDelivery("sqs", "deleted");
  } catch (const Error& e) {
    log_.Write("warn",
               "could not delete an SQS message whose events are recorded; it will come back "
               "and be folded as a duplicate",
               {{"message_id", message.message_id}, {"error", e.what()}});
  }
}

void SqsSource::HandBack(const aws::SqsMessage& message, int seconds) {
  try {
    settle_client_->ChangeMessageVisibility(message.receipt_handle, seconds);
  } catch (const Error& e) {
    log_.Write("warn",
               "could not hand an SQS message back; it comes back after its visibility "
               "timeout",
               {{"message_id", message.message_id}, {"error", e.what()}});
  }
}

void SqsSource::Heartbeat() {
  // Half the timeout leaves the other half for the extension to get through a slow SQS.
  const auto half = std::chrono::milliseconds(config_.visibility_timeout_seconds * 500);
  for (;;) {
    std::vector<std::string> due;
    {
      MutexLock lock(mutex_);
      if (heartbeat_done_) return;
      const Clock::time_point now = Clock::now();
      std::optional<Clock::time_point> next;
      for (auto& [handle, extended] : held_) {
        if (extended + half <= now) {
          due.push_back(handle);
          extended = now;
        } else if (!next || extended + half < *next) {
          next = extended + half;
        }
      }
      if (due.empty()) {
        if (next) {
          wake_.WaitUntil(mutex_, *next);
        } else {
          wake_.Wait(mutex_);
        }
        continue;
      }
    }
    for (const std::string& handle : due) {
      try {
        settle_client_->ChangeMessageVisibility(handle, config_.visibility_timeout_seconds);
      } catch (const Error& e) {
        // A message settled meanwhile (deleted, handed back) has nothing left to extend.
        if (Held(handle)) {
          log_.Write("warn",
                     "could not extend an SQS message's visibility; another consumer may "
                     "receive it too (its events are folded as duplicates)",
                     {{"error", e.what()}});
        }
      }
    }
  }
}

}  // namespace unpackd
