// Deciding what an event means: which rule takes it, or why none does. Loop prevention lives
// here: keys under any rule's destination and unpackd's own manifests and sidecars are never
// jobs, whatever the filters say.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "event/object_event.h"
#include "extract/extract_job.h"
#include "rules/service_config.h"

namespace unpackd {

enum class MatchOutcome {
  kMatched,
  kNotCreated,  // not an object-created event
  kNoRule,      // no rule's bucket, prefix and suffix take it
  kOwnOutput,   // under a destination of some rule, or an unpackd manifest or sidecar
};

struct RuleMatch {
  MatchOutcome outcome = MatchOutcome::kNoRule;
  // Set when kMatched, and when kOwnOutput is decided from the key alone (the rule that would
  // take the event otherwise); points into the config.
  const Rule* rule = nullptr;
  // kOwnOutput from the key alone: the key lies where some rule's archive would extract, and
  // the event did not carry the object's metadata (AWS events never do). Any folder "x/" could
  // be the output of an archive "x.zip", so this is a guess; the caller should read the
  // object's metadata (HEAD) and run `rule` after all when it names no source archive
  // (extract/member_metadata.h, kMetaSource). docs/serve.md, "Loop prevention".
  bool needs_confirmation = false;
};

RuleMatch MatchEvent(const ServiceConfig& config, const ObjectEvent& event);

// The job `rule` makes of an archive it took: pinned to `etag` (the version the event named;
// empty: whatever version is there when the job opens it).
ExtractJob MakeJobFor(const Rule& rule, const ObjectRef& archive, const std::string& etag);

// The rule named `name`, or nullptr when the configuration has none (a job recorded or queued
// under a rule since removed).
const Rule* FindRule(const ServiceConfig& config, const std::string& name);

// "matched", "not-created", "no-rule", "own-output": for logs and the dropped-events metric.
const char* MatchOutcomeName(MatchOutcome outcome);

}  // namespace unpackd
