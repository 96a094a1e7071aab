#include "store/s3/s3_store.h"

#include "store/key_validation.h"
#include "store/s3/s3_object_writer.h"
#include "store/s3/s3_random_access_object.h"
#include "store/s3/s3_range_copy.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

void ValidateRef(const ObjectRef& ref) {
  if (ref.bucket.empty()) {
    throw Error(ErrorKind::kUsage, "empty bucket name for key '" + ref.key + "'");
  }
  if (auto problem = S3KeyProblem(ref.key)) {
    throw Error(ErrorKind::kUsage,
                "s3://" + ref.bucket + "/" + EscapeForMessage(ref.key) + ": " + *problem);
  }
}

}  // namespace

S3Store::S3Store(const S3Config& config, Executor& executor, MemoryBudget& part_buffers)
    : context_(std::make_shared<S3StoreContext>(config, executor, part_buffers)) {}

ObjectInfo S3Store::Stat(const ObjectRef& ref) {
  ValidateRef(ref);
  return context_->client.HeadObject(ref.bucket, ref.key);
}

std::unique_ptr<RandomAccessObject> S3Store::OpenForRead(const ObjectRef& ref) {
  ObjectInfo info = Stat(ref);
  if (info.etag.empty()) {
    throw Error(ErrorKind::kIo, "HeadObject s3://" + ref.ToString() +
                                    ": the server sent no ETag, so reads cannot be pinned");
  }
  return std::make_unique<S3RandomAccessObject>(context_, ref, std::move(info));
}

std::unique_ptr<ObjectWriter> S3Store::NewWriter(const ObjectRef& ref,
                                                 const WriteOptions& options) {
  ValidateRef(ref);
  // Names and values go into HTTP headers verbatim: checked before any request is made.
  ValidateUserMetadata(options.metadata, "write s3://" + ref.ToString());
  ValidateContentType(options.content_type, "write s3://" + ref.ToString());
  return std::make_unique<S3ObjectWriter>(context_, ref, options);
}

void S3Store::List(const std::string& bucket, const std::string& prefix,
                   const std::function<bool(const ListEntry&)>& visit) {
  std::string token;
  do {
    ListPage page = context_->client.ListObjectsV2(bucket, prefix, token,
                                                   context_->client.config().list_page_size);
    for (const ListEntry& entry : page.entries) {
      if (!visit(entry)) return;
    }
    token = std::move(page.next_continuation_token);
  } while (!token.empty());
}

void S3Store::Delete(const ObjectRef& ref) {
  ValidateRef(ref);
  context_->client.DeleteObject(ref.bucket, ref.key);
}

void S3Store::AbortUpload(const ObjectRef& ref, const std::string& upload_id) {
  ValidateRef(ref);
  try {
    context_->client.AbortMultipartUpload(ref.bucket, ref.key, upload_id);
  } catch (const Error& e) {
    // NoSuchUpload: completed or aborted already (a crash after the upload finished, before
    // its record was deleted). Asking S3 directly, rather than checking ListMultipartUploads
    // first, has no 1000-upload page to miss and costs one request either way.
    if (e.kind() != ErrorKind::kNotFound) throw;
  }
}

RetryTotals S3Store::retry_totals() { return context_->client.retry_totals(); }

ThrottleTotals S3Store::throttle_totals() { return context_->client.throttle_totals(); }

std::optional<CopiedObject> S3Store::CopyRange(const ObjectRef& source,
                                               const std::string& source_etag, uint64_t offset,
                                               uint64_t length, const ObjectRef& dest,
                                               const WriteOptions& options) {
  ValidateRef(source);
  ValidateRef(dest);
  ValidateUserMetadata(options.metadata, "copy to s3://" + dest.ToString());
  ValidateContentType(options.content_type, "copy to s3://" + dest.ToString());
  return CopyRangeOnServer(*context_, source, source_etag, offset, length, dest, options);
}

std::unique_ptr<ObjectStore> MakeS3Store(const S3Config& config, Executor& executor,
                                         MemoryBudget& part_buffers) {
  return std::make_unique<S3Store>(config, executor, part_buffers);
}

}  // namespace unpackd::s3
