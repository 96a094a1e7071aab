// The record that a job's notification was delivered, kept in the store beside the job's
// manifest (`<prefix>/.unpackd/notified`, holding the event id). Lambda has no job store: when
// an event arrives for an archive already extracted (S3's duplicate delivery, AWS retrying an
// invocation whose notification failed), the marker is what decides whether to notify again:
// once in the normal case, again only when the earlier delivery did not complete.
//
// Thread safety: as the store's.
#pragma once

#include <string>

#include "store/object_store.h"

namespace unpackd::lambda {

// The marker's place for the job whose manifest is `manifest`.
ObjectRef NotifiedMarkerFor(const ObjectRef& manifest);

// Whether the marker for `manifest` holds `event_id`. Store errors other than kNotFound
// propagate.
bool AlreadyNotified(ObjectStore& store, const ObjectRef& manifest, const std::string& event_id);

// Writes the marker for `manifest` holding `event_id`. Throws the store's errors.
void RecordNotified(ObjectStore& store, const ObjectRef& manifest, const std::string& event_id);

}  // namespace unpackd::lambda
