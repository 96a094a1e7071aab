// S3ObjectWriter: streams one object into S3. Data that fits one part goes up with a single
// PutObject at Commit; anything bigger becomes a multipart upload whose parts are uploaded
// concurrently on the executor's I/O lane while the caller keeps appending, within the store's
// MemoryBudget, completed in part order, and aborted on any failure. A PutObject or Complete
// whose reply was lost is accepted when the object under the key is the one written
// (lost_reply.h).
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "store/object_store.h"
#include "store/s3/part_size_plan.h"
#include "store/s3/s3_store_context.h"
#include "util/memory_budget.h"
#include "util/mutex.h"

namespace unpackd::s3 {

class S3ObjectWriter : public ObjectWriter {
 public:
  S3ObjectWriter(std::shared_ptr<S3StoreContext> context, ObjectRef ref, WriteOptions options);
  // Aborts unless committed (waits for parts in flight, then AbortMultipartUpload).
  ~S3ObjectWriter() override;

  void Append(std::span<const std::byte> data) override;
  ObjectInfo Commit() override;
  void Abort() noexcept override;

 private:
  // The buffer being filled, and what it holds from the budget.
  struct Buffer {
    std::vector<std::byte> bytes;
    BudgetReservation reservation;
  };
  // State shared with part-upload tasks.
  struct Uploads {
    Mutex mutex;
    CondVar changed;
    int in_flight GUARDED_BY(mutex) = 0;
    std::map<int, UploadedPart> parts GUARDED_BY(mutex);  // by part number
    std::exception_ptr first_error GUARDED_BY(mutex);
  };

  void StartBuffer();
  void SubmitPart();
  void WaitForParts();
  void ThrowIfFailed();
  // Runs `write` (the PutObject or CompleteMultipartUpload); if it fails although it may have
  // taken effect, accepts the object under the key when it is this one (see lost_reply.h).
  // `content_etag` is asked only after a failure, for an object without metadata (hashing the
  // bytes is not free).
  // For if_absent multipart commits: radosgw (16.2) ignores If-None-Match on
  // CompleteMultipartUpload, so the key is checked first. Only S3's own condition is atomic;
  // the check leaves two commits at the very same moment to the server.
  void ThrowIfKeyTaken();
  PutResult WriteOrAcceptWritten(const std::function<PutResult()>& write,
                                 const std::function<std::string()>& content_etag);
  // The upload record (store/upload_record.h) of the upload just created, when the options ask
  // for one; throws when it cannot be written (the caller aborts the upload).
  void WriteUploadRecord();
  // Deletes the upload record once the upload is gone. Never throws: a record left behind only
  // costs a later run one AbortMultipartUpload answered NoSuchUpload.
  void DeleteUploadRecord() noexcept;
  // Aborts and rethrows the current exception.
  [[noreturn]] void FailAndRethrow();

  std::shared_ptr<S3StoreContext> context_;
  const ObjectRef ref_;
  const WriteOptions options_;
  const PartSizePlan plan_;
  Buffer buffer_;
  bool buffer_started_ = false;
  uint64_t total_bytes_ = 0;
  int next_part_ = 1;
  std::string upload_id_;   // empty until the object outgrows one part
  std::string record_key_;  // the upload record's key while one exists
  std::shared_ptr<Uploads> uploads_ = std::make_shared<Uploads>();
  bool finished_ = false;  // committed or aborted
};

}  // namespace unpackd::s3
