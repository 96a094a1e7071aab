// One record of an S3 event document ({"Records": [...]}) as AWS, radosgw and MinIO send it
// (internal to the event layer). The sender, named by eventSource, decides how the key is
// encoded: AWS form-encodes it ('+' is a space, a literal '+' is %2B), MinIO uses Go's
// url.QueryEscape (the same, with '/' as %2F too), radosgw sends the raw UTF-8 key.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "event/event_message.h"

namespace unpackd {

// True if `record` looks like an S3 event record (it has an "s3" member).
bool IsS3Record(const nlohmann::json& record);

// Adds the record to `out`: an object-created record to `created`, any other kind counted in
// `other_records`. Throws Error(kUsage, "malformed-event") for an eventVersion whose major is
// not 2, an unknown eventSource (its key encoding would be a guess), a created record without
// bucket or key, or a field of the wrong type. `where` names the record in messages.
void AddS3Record(const nlohmann::json& record, const std::string& where, EventMessage& out);

}  // namespace unpackd
