// Extraction of a sequential archive (the tar family) as it streams: there is no directory to
// plan from, so each member is planned as its header arrives (MemberPlanner) and streamed
// straight into its object, and whatever a later member or the stream's end reveals is met
// by rolling back what was written.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "archive/entry_string_store.h"
#include "archive/sequential_archive_reader.h"
#include "extract/content_type.h"
#include "extract/extract_job.h"
#include "extract/listed_objects.h"
#include "extract/plan.h"

namespace unpackd {

// The options a job's limits give a stream, for extraction and for listing alike.
SequentialOpenOptions StreamOpenOptions(const ExtractJob& job, uint64_t archive_size);

struct StreamedMembers {
  EntryStringStore strings;  // what entries' strings and the plan's paths view
  ExtractionPlan plan;
  std::vector<ArchiveEntry> entries;  // every entry met; sizes as read when none was declared
  std::vector<ProgressEvent::Outcome> outcomes;  // per plan.members: kWritten or kReused
};

// Streams `archive` (whose first bytes IsSequentialArchive accepted) into the destination:
// read ahead in large windows on the executor's I/O lane, each planned member copied into
// ObjectStore::NewWriter as it decompresses (multipart for big ones). Members already written
// by an interrupted run of this version (`existing`, checked by metadata) are kept.
// `before_first_write` runs once, before the first object is written.
//
// Throws Error(kArchiveRefused) for a refused member under OnErrorPolicy::kFail, a corrupt or
// truncated stream, or a broken limit (under either policy: a stream cannot be read past
// corruption), after deleting every object this run wrote or kept (the message says how
// many). Error(kCancelled) at a member boundary when cancelled (kept objects stay: a rerun
// resumes). Store errors propagate.
StreamedMembers ExtractStream(const ExtractJob& job, const JobServices& services,
                              RandomAccessObject& archive, const Destination& destination,
                              const ContentTypeMap& types, const ListedObjects& existing,
                              const std::function<void()>& before_first_write);

}  // namespace unpackd
