#include "rules/event_admission.h"

#include "util/error.h"

namespace unpackd {
namespace {

Admission Ignored(const char* reason, bool worth_logging, ObjectEvent event) {
  Admission admission;
  admission.ignored = reason;
  admission.worth_logging = worth_logging;
  admission.event = std::move(event);
  return admission;
}

Admission Unmatched(const RuleMatch& match, ObjectEvent event) {
  return Ignored(MatchOutcomeName(match.outcome), match.outcome != MatchOutcome::kOwnOutput,
                 std::move(event));
}

}  // namespace

Admission AdmitEvent(const ServiceConfig& config, const ObjectEvent& delivered,
                     const StatEventObject& stat) {
  RuleMatch match = MatchEvent(config, delivered);
  if (match.outcome != MatchOutcome::kMatched && !match.needs_confirmation) {
    return Unmatched(match, delivered);
  }
  ObjectEvent event = delivered;
  ObjectInfo info;
  try {
    info = stat(event);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kNotFound) throw;
    return Ignored("missing-object", true, std::move(event));
  }
  if (!event.etag.empty() && !info.etag.empty() && event.etag != info.etag) {
    return Ignored("superseded", true, std::move(event));
  }
  if (event.etag.empty()) event.etag = info.etag;
  if (!event.size) event.size = info.size;
  event.user_metadata = info.metadata;
  event.has_user_metadata = true;
  if (match.needs_confirmation) {
    match = MatchEvent(config, event);
    if (match.outcome != MatchOutcome::kMatched) return Unmatched(match, std::move(event));
  }
  Admission admission;
  admission.rule = match.rule;
  admission.event = std::move(event);
  return admission;
}

}  // namespace unpackd
