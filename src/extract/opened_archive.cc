#include "extract/opened_archive.h"

#include "archive/formats/open_archive.h"
#include "archive/listed_archive.h"
#include "extract/stream_extraction.h"
#include "io/range_source.h"
#include "util/error.h"

namespace unpackd {

Destination JobDestination(const ExtractJob& job) {
  return ExpandDestination(
      job.destination_template.empty() ? kDefaultDestinationTemplate : job.destination_template,
      job.destination_bucket.empty() ? job.archive.bucket : job.destination_bucket,
      job.archive.key);
}

OpenedArchive OpenJobArchive(const ExtractJob& job, ObjectStore& source_store,
                             bool read_directory) {
  OpenedArchive opened;
  opened.destination = JobDestination(job);
  opened.object = source_store.OpenForRead(job.archive);
  if (!job.pinned_etag.empty() && opened.object->info().etag != job.pinned_etag) {
    throw Error(ErrorKind::kPrecondition,
                job.archive.ToString() + ": the archive changed: the job is for ETag " +
                    job.pinned_etag + ", the store holds " + opened.object->info().etag,
                "archive-changed");
  }
  try {
    opened.sequential = IsSequentialArchive(*opened.object);
  } catch (const Error& e) {
    throw e.WithContext(job.archive.ToString());
  }
  if (read_directory) ReadJobArchiveDirectory(job, opened);
  return opened;
}

void ReadJobArchiveDirectory(const ExtractJob& job, OpenedArchive& opened) {
  try {
    if (opened.sequential) {
      // Read on this thread, in large chunks: inspect has no executor, and --verify-first
      // reads the stream once more anyway.
      auto listed =
          OpenSequentialArchive(std::make_unique<RangeSource>(
                                    *opened.object, 0, opened.object->info().size, size_t{4} << 20),
                                StreamOpenOptions(job, opened.object->info().size));
      opened.reader = ListSequentialArchive(*listed);
    } else {
      opened.reader = OpenArchive(*opened.object, job.open);
    }
  } catch (const Error& e) {
    throw e.WithContext(job.archive.ToString());
  }
}

}  // namespace unpackd
