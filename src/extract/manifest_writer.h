// ManifestWriter: streams one manifest document into the store, member by member, so writing
// the manifest of a million-member archive holds one member at a time.
#pragma once

#include <memory>
#include <string>

#include "extract/manifest.h"
#include "store/object_store.h"

namespace unpackd {

class ManifestWriter {
 public:
  // Starts the manifest at `ref`. The summary's counts and totals must be final: they precede
  // the lists in the document. Nothing is visible at `ref` before Commit(). A manifest big
  // enough for a multipart upload records it under `upload_records_prefix` (see
  // WriteOptions), so a run killed while writing it leaves nothing a rerun cannot abort. Store
  // errors propagate.
  // With `if_absent`, Commit() succeeds only where no manifest is there yet (WriteOptions::
  // if_absent: of workers racing to commit one archive version, one wins; the others get
  // Error(kPrecondition, "object-exists")). Each writer tags its manifest with an id of its own
  // (metadata `unpackd-manifest-id`), so a commit whose reply was lost knows its own manifest
  // from another worker's of the same size.
  ManifestWriter(ObjectStore& store, const ObjectRef& ref, const ManifestSummary& summary,
                 const std::string& upload_records_prefix = "", bool if_absent = false);
  // Aborts an uncommitted manifest (the store keeps whatever `ref` held before).
  ~ManifestWriter();
  ManifestWriter(const ManifestWriter&) = delete;
  ManifestWriter& operator=(const ManifestWriter&) = delete;

  // Every member comes before the first skip.
  void AddMember(const ManifestMember& member);
  void AddSkip(const ManifestSkip& skip);

  // Closes the document and makes it visible atomically. Throws Error(kInternal) when the
  // lists disagree with the summary's counts (nothing is then written), store errors as they
  // come.
  void Commit();

 private:
  enum class Section { kMembers, kSkipped };
  void Enter(Section section);
  void Put(std::string_view text);
  void Flush();

  std::unique_ptr<ObjectWriter> writer_;
  ManifestSummary summary_;
  std::string buffer_;
  Section section_ = Section::kMembers;
  uint64_t members_ = 0;
  uint64_t skips_ = 0;
  bool committed_ = false;
};

}  // namespace unpackd
