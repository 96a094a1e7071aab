// ForwardingStore: an ObjectStore that hands every call to another, for tests that change one
// behaviour of a real store (count its reads, race a write, lose a reply) and keep the rest.
#pragma once

#include "store/object_store.h"

namespace unpackd::testing {

class ForwardingStore : public ObjectStore {
 public:
  // `inner` must outlive this store.
  explicit ForwardingStore(ObjectStore& inner) : inner_(inner) {}

  ObjectInfo Stat(const ObjectRef& ref) override { return inner_.Stat(ref); }
  std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) override {
    return inner_.OpenForRead(ref);
  }
  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override {
    return inner_.NewWriter(ref, options);
  }
  void List(const std::string& bucket, const std::string& prefix,
            const std::function<bool(const ListEntry&)>& visit) override {
    inner_.List(bucket, prefix, visit);
  }
  void Delete(const ObjectRef& ref) override { inner_.Delete(ref); }
  std::optional<std::string> KeyProblem(std::string_view key) const override {
    return inner_.KeyProblem(key);
  }
  bool KeysMayNest() const override { return inner_.KeysMayNest(); }
  void AbortUpload(const ObjectRef& ref, const std::string& upload_id) override {
    inner_.AbortUpload(ref, upload_id);
  }
  RetryTotals retry_totals() override { return inner_.retry_totals(); }
  std::optional<CopiedObject> CopyRange(const ObjectRef& source, const std::string& source_etag,
                                        uint64_t offset, uint64_t length, const ObjectRef& dest,
                                        const WriteOptions& options) override {
    return inner_.CopyRange(source, source_etag, offset, length, dest, options);
  }

 protected:
  ObjectStore& inner() { return inner_; }

 private:
  ObjectStore& inner_;
};

}  // namespace unpackd::testing
