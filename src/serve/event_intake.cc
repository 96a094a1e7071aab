#include "serve/event_intake.h"

#include <chrono>

#include "event/event_message.h"
#include "rules/event_admission.h"
#include "serve/wall_clock.h"
#include "util/error.h"

namespace unpackd {

EventIntake::EventIntake(const ServiceConfig& config, JobStore& jobs, StatObject stat,
                         ServiceMetrics& metrics, ServiceLog& log, std::function<void()> job_queued)
    : config_(config),
      jobs_(jobs),
      stat_(std::move(stat)),
      metrics_(metrics),
      log_(log),
      job_queued_(std::move(job_queued)) {}

IntakeResult EventIntake::Ignore(const ObjectEvent& event, const char* reason, bool log_it) {
  metrics_.CountDropped(reason);
  if (log_it) {
    log_.Write("info", "event ignored",
               {{"reason", reason}, {"bucket", event.bucket}, {"key", event.key}});
  }
  return {IntakeOutcome::kIgnored, reason, 0};
}

IntakeResult EventIntake::Offer(const ObjectEvent& delivered) {
  const Admission admission = AdmitEvent(config_, delivered, stat_);
  if (admission.rule == nullptr) {
    return Ignore(admission.event, admission.ignored, admission.worth_logging);
  }
  const ObjectEvent& event = admission.event;
  const Rule* rule = admission.rule;
  JobRequest request;
  request.bucket = event.bucket;
  request.key = event.key;
  request.etag = event.etag;
  request.version_id = event.version_id;
  request.sequencer = event.sequencer;
  request.size = event.size.value_or(0);
  request.rule = rule->name;
  request.origin = event.origin;
  request.event_time = event.event_time;
  const EnqueueResult recorded = jobs_.Enqueue(request, NowMs());
  switch (recorded.outcome) {
    case EnqueueOutcome::kCreated:
      metrics_.CountQueued();
      log_.Write("info", "job queued",
                 {{"job_id", recorded.job_id},
                  {"state", "queued"},
                  {"bucket", event.bucket},
                  {"key", event.key},
                  {"etag", event.etag},
                  {"rule", rule->name},
                  {"origin", event.origin}});
      job_queued_();
      return {IntakeOutcome::kQueued, "", recorded.job_id};
    case EnqueueOutcome::kDuplicate:
      metrics_.CountDropped("duplicate");
      return {IntakeOutcome::kDuplicate, "duplicate", recorded.job_id};
    case EnqueueOutcome::kStale:
      break;
  }
  metrics_.CountDropped("stale");
  log_.Write("info", "event older than one already recorded",
             {{"bucket", event.bucket}, {"key", event.key}, {"sequencer", event.sequencer}});
  return {IntakeOutcome::kStale, "stale", 0};
}

std::vector<IntakeResult> EventIntake::OfferMessage(std::string_view body,
                                                    std::string_view source) {
  EventMessage message;
  try {
    message = ParseEventMessage(body);
  } catch (const Error& e) {
    metrics_.CountDropped("malformed");
    log_.Write("warn", "malformed event dropped", {{"source", source}, {"reason", e.what()}});
    throw;
  }
  if (message.test_event) metrics_.CountDropped("test-event");
  for (size_t i = 0; i < message.other_records; ++i) metrics_.CountDropped("not-created");
  std::vector<IntakeResult> results;
  results.reserve(message.created.size());
  for (const ObjectEvent& event : message.created) results.push_back(Offer(event));
  return results;
}

}  // namespace unpackd
