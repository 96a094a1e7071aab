// S3RandomAccessObject: ranged GETs pinned to one ETag.
#pragma once

#include <memory>

#include "store/object_store.h"
#include "store/s3/s3_store_context.h"

namespace unpackd::s3 {

class S3RandomAccessObject : public RandomAccessObject {
 public:
  // `info` from the HeadObject that opened the object.
  S3RandomAccessObject(std::shared_ptr<S3StoreContext> context, ObjectRef ref, ObjectInfo info);

  const ObjectInfo& info() const override { return info_; }

  // One GET with "Range: bytes=a-b" and "If-Match: <etag>". The response's ETag is checked
  // too (not every S3-compatible server honours If-Match): a mismatch is kPrecondition. A body
  // that breaks off is resumed from the first missing byte. Thread-safe.
  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override;

 private:
  std::shared_ptr<S3StoreContext> context_;
  const ObjectRef ref_;
  const ObjectInfo info_;
};

}  // namespace unpackd::s3
