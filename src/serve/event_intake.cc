#include "serve/event_intake.h"

#include <chrono>

#include "event/event_message.h"
#include "rules/rule_match.h"
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
  RuleMatch match = MatchEvent(config_, delivered);
  // Our own output arrives by the thousand after every job: not worth a line each.
  if (match.outcome != MatchOutcome::kMatched && !match.needs_confirmation) {
    return Ignore(delivered, MatchOutcomeName(match.outcome),
                  match.outcome != MatchOutcome::kOwnOutput);
  }
  ObjectEvent event = delivered;
  ObjectInfo info;
  try {
    info = stat_(event);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kNotFound) throw;
    return Ignore(event, "missing-object", true);
  }
  if (!event.etag.empty() && !info.etag.empty() && event.etag != info.etag) {
    // Replaced since: the newer version's own event starts its job.
    return Ignore(event, "superseded", true);
  }
  if (event.etag.empty()) event.etag = info.etag;
  if (!event.size) event.size = info.size;
  event.user_metadata = info.metadata;
  event.has_user_metadata = true;
  if (match.needs_confirmation) {
    match = MatchEvent(config_, event);
    if (match.outcome != MatchOutcome::kMatched) {
      return Ignore(event, MatchOutcomeName(match.outcome),
                    match.outcome != MatchOutcome::kOwnOutput);
    }
  }
  JobRequest request;
  request.bucket = event.bucket;
  request.key = event.key;
  request.etag = event.etag;
  request.version_id = event.version_id;
  request.sequencer = event.sequencer;
  request.size = event.size.value_or(0);
  request.rule = match.rule->name;
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
                  {"rule", match.rule->name},
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
