// The records of what was told about a job, kept in the store beside the job's manifest, for
// the runners that have no job store of their own (Lambda, serve's fleet mode):
//   - the notified marker (`<prefix>/.unpackd/notified`, holding the event id): when an event
//     arrives for an archive already extracted (a duplicate delivery, a retried invocation
//     whose notification failed), it decides whether to notify again: once in the normal
//     case, again only when the earlier delivery did not complete;
//   - the failure claim (`<prefix>/.unpackd/failed/<etag>`): of the runs of one archive version
//     that fail for good (duplicates, the shards of a fanned-out archive), the one that creates
//     it (a conditional PUT) tells of the failure; the others stay silent.
//
// Thread safety: as the store's.
#pragma once

#include <string>

#include "store/object_store.h"

namespace unpackd::notify {

// The marker's place for the job whose manifest is `manifest`.
ObjectRef NotifiedMarkerFor(const ObjectRef& manifest);

// Whether the marker for `manifest` holds `event_id`. Store errors other than kNotFound
// propagate.
bool AlreadyNotified(ObjectStore& store, const ObjectRef& manifest, const std::string& event_id);

// Writes the marker for `manifest` holding `event_id`. Throws the store's errors.
void RecordNotified(ObjectStore& store, const ObjectRef& manifest, const std::string& event_id);

// The failure claim's place for archive version `etag` of the job whose manifest is `manifest`.
ObjectRef FailureClaimFor(const ObjectRef& manifest, const std::string& etag);

// Writes the failure claim holding `reason` and a name of this call unless one is there; true
// when this call wrote it (the caller then notifies). A write that fails in another way is
// settled by reading the claim back: this call's name there is a win, another's a loss. A
// store without conditional writes lets every caller win. Throws the store's other errors.
bool ClaimFailureNotice(ObjectStore& store, const ObjectRef& manifest, const std::string& etag,
                        const std::string& reason);

// ClaimFailureNotice for a caller that must decide now whether to tell: true when this call
// wrote the claim, and when the claim could not be written at all (told twice beats never
// told), with the store's error in `claim_error` for the caller's log.
bool ShouldTellFailure(ObjectStore& store, const ObjectRef& manifest, const std::string& etag,
                       const std::string& reason, std::string& claim_error);

}  // namespace unpackd::notify
