// LocalRandomAccessObject: the reader of one local object version.
//
// It pins the open file descriptor and reads it with pread. Honouring the ObjectStore contract,
// every ReadAt then checks that the key still names the same file, unmodified, and throws
// kPrecondition otherwise (replaced, deleted or modified in place by another tool): the local
// store behaves like S3 with If-Match, so the pipeline's handling of a replaced archive can be
// tested locally. Safe from many threads (pread and fstat only; nothing is mutable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "store/local/opened_object.h"
#include "store/object_store.h"

namespace unpackd::local {

class LocalRandomAccessObject : public RandomAccessObject {
 public:
  LocalRandomAccessObject(ObjectRef ref, OpenedObject opened);

  const ObjectInfo& info() const override { return opened_.info; }

  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override;

 private:
  // Throws kPrecondition unless the key still names the opened file, unmodified.
  void CheckUnchanged() const;

  const ObjectRef ref_;
  const OpenedObject opened_;
};

}  // namespace unpackd::local
