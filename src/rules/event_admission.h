// Admitting an object-created event: which rule takes it, confirmed against the object itself.
// The service's intake and Lambda both decide this way, so one event means the same job
// whichever way it arrived.
//
// Thread safety: pure apart from `stat`, which may be called once.
#pragma once

#include <functional>

#include "event/object_event.h"
#include "rules/rule_match.h"
#include "rules/service_config.h"
#include "store/object_store.h"

namespace unpackd {

struct Admission {
  // The rule that takes the event; nullptr when it is ignored (see `ignored`).
  const Rule* rule = nullptr;
  // Why the event is ignored: a MatchOutcomeName ("no-rule", "own-output", ...), "missing-object"
  // (gone before we looked) or "superseded" (replaced since: the newer version's own event runs
  // it). nullptr when admitted.
  const char* ignored = nullptr;
  // Whether the reason is worth a log line: unpackd's own output arrives by the thousand after
  // every job and is not.
  bool worth_logging = false;
  // The event with what the object itself says filled in: ETag (when the event had none), size,
  // user metadata. Set when admitted.
  ObjectEvent event;
};

// The object an event names, as the store has it now. Throws Error(kNotFound) when it is gone.
using StatEventObject = std::function<ObjectInfo(const ObjectEvent&)>;

// Matches `delivered` against the rules; a matching event is confirmed with `stat` (the object
// must exist and be the version the event names) and, when the key alone could not rule out
// unpackd's own output, matched again with the object's metadata. Errors from `stat` other than
// kNotFound propagate (the caller retries: the event is not lost).
Admission AdmitEvent(const ServiceConfig& config, const ObjectEvent& delivered,
                     const StatEventObject& stat);

}  // namespace unpackd
