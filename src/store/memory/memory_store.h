// MemoryStore: an ObjectStore that keeps every object in memory, for tests of code written
// against ObjectStore (the pipeline, the CLI's plumbing) that need no filesystem or server.
//
// It keeps the contract of store/object_store.h as the real stores do:
//   - Buckets exist implicitly: any non-empty name is a bucket, an unused one lists nothing.
//   - Keys: anything S3 accepts (1..1024 bytes of valid UTF-8; S3KeyProblem); metadata and
//     content type as ValidateUserMetadata and ValidateContentType (store/key_validation.h).
//     Anything else is kUsage, from every method.
//   - Every Commit gets a new ETag ("mem-<n>", n counting the store's commits), even for the
//     same bytes under the same key; the content type defaults to "application/octet-stream".
//   - A reader pins the version it opened: once the key was replaced or deleted, ReadAt throws
//     kPrecondition (its info() never changes).
//   - A writer's bytes are invisible until Commit; Abort, destruction or a failed Commit leave
//     nothing. Append or Commit after Commit or Abort throws kInternal.
//   - List: keys with the prefix in ascending byte order, from a snapshot taken when List
//     starts; `visit` runs without the store's lock, so it may call the store.
//   - Stat and OpenForRead of an absent object throw kNotFound; Delete of one succeeds.
//
// Thread safety: every method, of the store and of its readers, may be called from many threads
// at once. Readers and writers hold the store's state, so they may outlive the store.
#pragma once

#include <cstdint>
#include <memory>

#include "store/object_store.h"
#include "util/error.h"

namespace unpackd {

class MemoryStore : public ObjectStore {
 public:
  MemoryStore();
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  ObjectInfo Stat(const ObjectRef& ref) override;
  std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) override;
  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override;
  void List(const std::string& bucket, const std::string& prefix,
            const std::function<bool(const ListEntry&)>& visit) override;
  void Delete(const ObjectRef& ref) override;

  // Fault seam for tests: the next `successes` commits (of any writer of this store) succeed,
  // and every one after them throws Error(kind, "... injected fault", "injected-fault"),
  // storing nothing (the writer is then aborted, as after any failed Commit), until
  // FailCommitsAfter is called again or ClearFaults. FailCommitsAfter(0, kind) fails the very
  // next commit.
  void FailCommitsAfter(uint64_t successes, ErrorKind kind = ErrorKind::kTransient);
  void ClearFaults();

  // Shared by the store, its readers and its writers (defined in memory_store.cc).
  class State;

 private:
  const std::shared_ptr<State> state_;
};

std::unique_ptr<ObjectStore> MakeMemoryStore();

}  // namespace unpackd
