// Inspection: what extracting a job would do, without writing anything: the archive's
// entries, the plan, and every finding (including each member's framing, which extraction
// checks only as it goes).
#pragma once

#include <memory>

#include "extract/extract_job.h"
#include "extract/plan.h"

namespace unpackd {

struct Inspection {
  ObjectInfo source;  // the archive version inspected
  std::unique_ptr<RandomAccessObject> object;
  std::unique_ptr<ArchiveReader> archive;  // reads `object`
  ExtractionPlan plan;                     // findings include framing disagreements
  // A stream without a directory (the tar family): it was read whole, content included, to
  // list it, as a tar's members and its integrity are only known at its end.
  bool read_whole_stream = false;

  bool Refused() const { return plan.Refused(OnErrorPolicy::kFail); }
};

// Throws as RunExtractJob does for an archive that cannot be opened at all. The plan checks
// member keys against `destination_store` (nullptr: the source store, where the job's default
// destination lies).
Inspection InspectJob(const ExtractJob& job, ObjectStore& source_store,
                      const ObjectStore* destination_store = nullptr);

}  // namespace unpackd
