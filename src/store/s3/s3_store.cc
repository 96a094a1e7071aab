#include "store/s3/s3_store.h"

#include "store/s3/s3_object_writer.h"
#include "store/s3/s3_random_access_object.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

// S3 keys are 1..1024 bytes of valid UTF-8.
void ValidateRef(const ObjectRef& ref) {
  if (ref.bucket.empty())
    throw Error(ErrorKind::kUsage, "empty bucket name for key '" + ref.key + "'");
  if (ref.key.empty() || ref.key.size() > 1024) {
    throw Error(ErrorKind::kUsage, "S3 key must be 1..1024 bytes: s3://" + ref.ToString());
  }
  const auto* p = reinterpret_cast<const unsigned char*>(ref.key.data());
  const auto* end = p + ref.key.size();
  while (p < end) {
    int extra = *p < 0x80           ? 0
                : (*p >> 5) == 0x6  ? 1
                : (*p >> 4) == 0xe  ? 2
                : (*p >> 3) == 0x1e ? 3
                                    : -1;
    if (extra < 0 || end - p <= extra) {
      throw Error(ErrorKind::kUsage, "S3 key is not valid UTF-8: s3://" + ref.ToString());
    }
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) {
        throw Error(ErrorKind::kUsage, "S3 key is not valid UTF-8: s3://" + ref.ToString());
      }
    }
    p += extra + 1;
  }
}

}  // namespace

S3Store::S3Store(const S3Config& config) : context_(std::make_shared<S3StoreContext>(config)) {}

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
  return std::make_unique<S3ObjectWriter>(context_, ref, options);
}

void S3Store::List(const std::string& bucket, const std::string& prefix,
                   const std::function<bool(const ListEntry&)>& visit) {
  std::string token;
  do {
    ListPage page = context_->client.ListObjectsV2(bucket, prefix, token, list_page_size_);
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

std::unique_ptr<ObjectStore> MakeS3Store(const S3Config& config) {
  return std::make_unique<S3Store>(config);
}

}  // namespace unpackd::s3
