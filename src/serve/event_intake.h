// EventIntake: the one door every event source uses. An event is matched against the rules
// (rules/rule_match.h) and, when a rule takes it, recorded in the job store; only then may the
// source acknowledge it (answer 2xx, delete the SQS message, ack the AMQP delivery), so an
// acknowledged event is never lost. Events that start no job are counted by reason and logged.
//
// Before a job is recorded the store is asked about the object (one HEAD): an event may carry
// neither the ETag (the local watcher) nor the metadata that tells unpackd's own output from an
// upload (AWS), and an event may outlive its object.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "event/object_event.h"
#include "jobs/job_store.h"
#include "rules/service_config.h"
#include "serve/service_log.h"
#include "serve/service_metrics.h"
#include "store/object_store.h"

namespace unpackd {

enum class IntakeOutcome {
  kQueued,     // a new job
  kDuplicate,  // this archive version already has a job
  kStale,      // older than an event already recorded for the key
  kIgnored,    // no rule takes it, or the object is gone or replaced (reason says why)
};

// What the store says about an event's object now. Throws Error(kNotFound) when it is gone;
// any other Error means the store could not say (the source must not acknowledge).
using StatObject = std::function<ObjectInfo(const ObjectEvent&)>;

struct IntakeResult {
  IntakeOutcome outcome = IntakeOutcome::kIgnored;
  std::string reason;  // for kIgnored: a MatchOutcomeName
  int64_t job_id = 0;
};

class EventIntake {
 public:
  // Borrows everything; `job_queued` is called after each new job is durable (to wake a
  // worker) and must not block. `stat` must be safe from many threads.
  EventIntake(const ServiceConfig& config, JobStore& jobs, StatObject stat, ServiceMetrics& metrics,
              ServiceLog& log, std::function<void()> job_queued);

  // Durable when it returns. Throws Error when it cannot decide or record (the job store's
  // kIo, the store's kTransient or kAccessDenied): the source must then not acknowledge.
  IntakeResult Offer(const ObjectEvent& event);

  // Parses one delivered message (event/event_message.h) and offers each created record.
  // Throws Error(kUsage, "malformed-event") after counting and logging it; a test event
  // is counted and yields nothing.
  std::vector<IntakeResult> OfferMessage(std::string_view body, std::string_view source);

  // A delivery refused before it was read ("unauthorized", "too-large"), for the metrics.
  void CountRefusedDelivery(std::string_view reason) { metrics_.CountDropped(reason); }

 private:
  const ServiceConfig& config_;
  JobStore& jobs_;
  const StatObject stat_;
  ServiceMetrics& metrics_;
  ServiceLog& log_;
  const std::function<void()> job_queued_;

  IntakeResult Ignore(const ObjectEvent& event, const char* reason, bool log_it);
};

}  // namespace unpackd
