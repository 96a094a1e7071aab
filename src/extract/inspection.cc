#include "extract/inspection.h"

#include "extract/content_type.h"
#include "extract/opened_archive.h"
#include "util/error.h"

namespace unpackd {

Inspection InspectJob(const ExtractJob& job, ObjectStore& source_store,
                      const ObjectStore* destination_store) {
  OpenedArchive opened = OpenJobArchive(job, source_store);
  Inspection inspection;
  inspection.source = opened.object->info();
  inspection.read_whole_stream = opened.sequential;
  inspection.plan = MakePlan(
      *opened.reader, opened.destination, destination_store ? *destination_store : source_store,
      ContentTypeMap(job.mime_types_path), job.limits,
      opened.sequential ? FolderClashRule::kRefuseSecond : FolderClashRule::kRefuseFile);
  // Extraction checks each member's framing as it reaches it; inspection checks them all now,
  // so a disagreement with the directory is a finding before anything is written.
  for (const ArchiveEntry& e : opened.reader->entries()) {
    if (e.kind == EntryKind::kDirectory) continue;
    try {
      opened.reader->CheckMember(e);
    } catch (const Error& err) {
      if (err.kind() != ErrorKind::kArchiveRefused) throw;
      inspection.plan.findings.push_back(
          Finding{Severity::kRefuse, "local-header", e.index, std::string(e.name), err.what()});
    }
  }
  inspection.object = std::move(opened.object);
  inspection.archive = std::move(opened.reader);
  return inspection;
}

}  // namespace unpackd
