#include "rules/rule_match.h"

#include <algorithm>

#include "extract/member_metadata.h"
#include "rules/destination_shape.h"

namespace unpackd {
namespace {

// Manifests live at <prefix>/.unpackd/manifest.json (extract/destination.h); nothing under a
// .unpackd segment is ever an upload.
bool InUnpackdFolder(const std::string& key) {
  return key.starts_with(".unpackd/") || key.find("/.unpackd/") != std::string::npos;
}

bool RuleWritesTo(const Rule& rule, const std::string& bucket) {
  if (!rule.destination_bucket.empty()) return rule.destination_bucket == bucket;
  return rule.buckets.empty() ||
         std::find(rule.buckets.begin(), rule.buckets.end(), bucket) != rule.buckets.end();
}

bool UnderAnyDestination(const ServiceConfig& config, const ObjectEvent& event) {
  return std::any_of(config.rules.begin(), config.rules.end(), [&](const Rule& rule) {
    return RuleWritesTo(rule, event.bucket) &&
           IsUnderRuleDestination(rule, AnalyzeDestination(rule.destination_template), event.key);
  });
}

bool RuleTakes(const Rule& rule, const ObjectEvent& event) {
  if (!rule.buckets.empty() &&
      std::find(rule.buckets.begin(), rule.buckets.end(), event.bucket) == rule.buckets.end()) {
    return false;
  }
  const size_t slash = event.key.rfind('/');
  const bool at_root = slash == std::string::npos;
  return RuleCouldTake(rule, true, at_root ? "" : event.key.substr(0, slash),
                       at_root ? event.key : event.key.substr(slash + 1));
}

}  // namespace

RuleMatch MatchEvent(const ServiceConfig& config, const ObjectEvent& event) {
  if (!event.event_name.starts_with("ObjectCreated")) return {MatchOutcome::kNotCreated, nullptr};
  if (InUnpackdFolder(event.key)) return {MatchOutcome::kOwnOutput, nullptr};
  // radosgw and MinIO events carry the object's metadata: an object unpackd wrote says so, and
  // one that does not was uploaded, wherever it lies.
  if (event.user_metadata.contains(kMetaSource)) return {MatchOutcome::kOwnOutput, nullptr};
  const auto rule = std::find_if(config.rules.begin(), config.rules.end(),
                                 [&](const Rule& r) { return RuleTakes(r, event); });
  if (rule == config.rules.end()) return {MatchOutcome::kNoRule, nullptr};
  if (!event.has_user_metadata && UnderAnyDestination(config, event)) {
    return {MatchOutcome::kOwnOutput, &*rule, true};
  }
  return {MatchOutcome::kMatched, &*rule};
}

ExtractJob MakeJobFor(const Rule& rule, const ObjectRef& archive, const std::string& etag) {
  ExtractJob job;
  job.archive = archive;
  job.pinned_etag = etag;
  job.destination_template = rule.destination_template;
  job.destination_bucket = rule.destination_bucket;
  job.limits = rule.limits;
  job.on_error = rule.on_error;
  job.prune = rule.prune;
  return job;
}

const char* MatchOutcomeName(MatchOutcome outcome) {
  switch (outcome) {
    case MatchOutcome::kMatched:
      return "matched";
    case MatchOutcome::kNotCreated:
      return "not-created";
    case MatchOutcome::kNoRule:
      return "no-rule";
    case MatchOutcome::kOwnOutput:
      return "own-output";
  }
  return "unknown";
}

const Rule* FindRule(const ServiceConfig& config, const std::string& name) {
  for (const Rule& rule : config.rules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

}  // namespace unpackd
