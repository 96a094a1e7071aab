// S3Store: the ObjectStore over AWS S3 or any S3-compatible server (MinIO, Ceph RGW, s3rver).
//
// How the pieces fit (one concept per file in this folder):
//   S3Store ── OpenForRead ──> S3RandomAccessObject: ranged GETs pinned by If-Match + ETag check
//           ── NewWriter ────> S3ObjectWriter: PutObject, or multipart parts on the TaskPool
//                              within the MemoryBudget, sized by PartSizePlan
//   both ──> S3Client: signing (SigV4Signer), retries (RetryPolicy), errors (s3_error)
//             ──> S3Addressing (URL/host/path style) + HttpClient (CurlHandlePool, keep-alive)
//             ──> CredentialsProvider (credentials_chain: env, profile, container, IMDSv2)
// Readers and writers share an S3StoreContext with the store, so any destruction order is safe.
#pragma once

#include <memory>

#include "store/object_store.h"
#include "store/s3/s3_config.h"
#include "store/s3/s3_store_context.h"

namespace unpackd::s3 {

class S3Store : public ObjectStore {
 public:
  // Throws kUsage for a malformed endpoint. Credentials are looked up lazily, on first use.
  explicit S3Store(const S3Config& config);

  ObjectInfo Stat(const ObjectRef& ref) override;
  std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) override;
  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override;
  void List(const std::string& bucket, const std::string& prefix,
            const std::function<bool(const ListEntry&)>& visit) override;
  void Delete(const ObjectRef& ref) override;

  // For tests and tools: the client underneath and the part-buffer budget.
  S3Client& client() { return context_->client; }
  const MemoryBudget& budget() const { return context_->budget; }

  // Page size of List (S3's maximum is 1000); tests make it small to exercise pagination.
  void set_list_page_size(int size) { list_page_size_ = size; }

 private:
  std::shared_ptr<S3StoreContext> context_;
  int list_page_size_ = 1000;
};

// The S3 store as a plain ObjectStore; see S3Store.
std::unique_ptr<ObjectStore> MakeS3Store(const S3Config& config);

}  // namespace unpackd::s3
