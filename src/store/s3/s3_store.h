// S3Store: the ObjectStore over AWS S3 or any S3-compatible server (MinIO, Ceph RGW, s3rver).
//
// How the pieces fit (one concept per file in this folder):
//   S3Store ── OpenForRead ──> S3RandomAccessObject: ranged GETs pinned by If-Match + ETag check
//           ── NewWriter ────> S3ObjectWriter: PutObject, or multipart parts on the executor
//                              within the MemoryBudget, sized by PartSizePlan
//           ── CopyRange ────> CopyRangeOnServer: UploadPartCopy parts, pinned by If-Match
//   both ──> S3Client: signing (SigV4Signer), retries (RetryPolicy), errors (s3_error)
//             ──> S3Addressing (URL/host/path style) + HttpClient (CurlHandlePool, keep-alive)
//             ──> CredentialsProvider (credentials_chain: env, profile, container, IMDSv2)
// Readers and writers share an S3StoreContext with the store, so any destruction order is safe.
#pragma once

#include <memory>

#include "store/object_store.h"
#include "store/s3/s3_config.h"
#include "store/s3/s3_store_context.h"
#include "util/executor.h"
#include "util/memory_budget.h"

namespace unpackd::s3 {

class S3Store : public ObjectStore {
 public:
  // Throws kUsage for a malformed endpoint. Credentials are looked up lazily, on first use.
  // Multipart parts are uploaded on `executor`'s I/O lane, their buffers drawn from
  // `part_buffers` (the memory plan's share, shared by every writer). Both must outlive the
  // store and every reader and writer it hands out.
  S3Store(const S3Config& config, Executor& executor, MemoryBudget& part_buffers);

  ObjectInfo Stat(const ObjectRef& ref) override;
  std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) override;
  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override;
  void List(const std::string& bucket, const std::string& prefix,
            const std::function<bool(const ListEntry&)>& visit) override;
  void Delete(const ObjectRef& ref) override;
  void AbortUpload(const ObjectRef& ref, const std::string& upload_id) override;
  RetryTotals retry_totals() override;
  // Throttled answers and the adaptive concurrency limit's course so far. Thread-safe.
  ThrottleTotals throttle_totals();
  // UploadPartCopy parts of one multipart upload (s3_range_copy.h).
  std::optional<CopiedObject> CopyRange(const ObjectRef& source, const std::string& source_etag,
                                        uint64_t offset, uint64_t length, const ObjectRef& dest,
                                        const WriteOptions& options) override;

 private:
  std::shared_ptr<S3StoreContext> context_;
};

// The S3 store as a plain ObjectStore; see S3Store.
std::unique_ptr<ObjectStore> MakeS3Store(const S3Config& config, Executor& executor,
                                         MemoryBudget& part_buffers);

}  // namespace unpackd::s3
