#include "store/memory/memory_store.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/key_validation.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace unpackd {
namespace {

constexpr const char* kDefaultContentType = "application/octet-stream";

// "memory store: <operation> <bucket>/<key>".
std::string Context(std::string_view operation, const ObjectRef& ref) {
  return "memory store: " + std::string(operation) + " " + EscapeForMessage(ref.ToString());
}

void ValidateBucket(const std::string& bucket, const std::string& context) {
  if (bucket.empty()) throw Error(ErrorKind::kUsage, context + ": the bucket name is empty");
}

// The bucket must be named and the key one S3 accepts; kUsage otherwise.
void ValidateRef(const ObjectRef& ref, const std::string& context) {
  ValidateBucket(ref.bucket, context);
  if (auto problem = S3KeyProblem(ref.key)) {
    throw Error(ErrorKind::kUsage, context + ": invalid object key: the key " + *problem);
  }
}

}  // namespace

class MemoryStore::State {
 public:
  // One committed object. Its bytes are shared with the readers that pinned it.
  struct Version {
    std::shared_ptr<const std::string> data;
    ObjectInfo info;
  };

  // The current version of `ref`; throws kNotFound naming `context` if there is none.
  Version Current(const ObjectRef& ref, const std::string& context) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const Version* version = Find(ref);
    if (version == nullptr) throw Error(ErrorKind::kNotFound, context + ": no such object");
    return *version;
  }

  // Throws kPrecondition unless `etag` is still the current version of `ref` (for ReadAt).
  void CheckCurrent(const ObjectRef& ref, const std::string& etag) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const Version* version = Find(ref);
    if (version == nullptr) {
      throw Error(ErrorKind::kPrecondition,
                  Context("read", ref) + ": the object was deleted since it was opened");
    }
    if (version->info.etag != etag) {
      throw Error(ErrorKind::kPrecondition,
                  Context("read", ref) + ": the object was replaced since it was opened (ETag " +
                      etag + " -> " + version->info.etag + ")");
    }
  }

  // Makes `data` the current version of `ref` (unless a fault is due) and returns its info.
  ObjectInfo Commit(const ObjectRef& ref, std::string data, const WriteOptions& options)
      EXCLUDES(mu_) {
    Version version;
    version.data = std::make_shared<const std::string>(std::move(data));
    version.info.size = version.data->size();
    version.info.content_type =
        options.content_type.empty() ? kDefaultContentType : options.content_type;
    version.info.metadata = options.metadata;
    MutexLock lock(mu_);
    if (fault_) {
      if (fault_->successes_left == 0) {
        throw Error(fault_->kind, Context("commit", ref) + ": injected fault", "injected-fault");
      }
      --fault_->successes_left;
    }
    auto& objects = buckets_[ref.bucket];
    if (options.if_absent && objects.contains(ref.key)) {
      throw Error(ErrorKind::kPrecondition,
                  Context("commit", ref) + ": another writer's object is already under the key",
                  "object-exists");
    }
    version.info.etag = "mem-" + std::to_string(++commits_);
    objects[ref.key] = version;
    return version.info;
  }

  // A snapshot of the objects in `bucket` whose keys start with `prefix`, in key order.
  std::vector<ListEntry> List(const std::string& bucket, const std::string& prefix) EXCLUDES(mu_) {
    std::vector<ListEntry> entries;
    MutexLock lock(mu_);
    const auto found = buckets_.find(bucket);
    if (found == buckets_.end()) return entries;
    const Bucket& objects = found->second;
    for (auto it = objects.lower_bound(prefix);
         it != objects.end() && it->first.starts_with(prefix); ++it) {
      entries.push_back(ListEntry{it->first, it->second.info.size, it->second.info.etag});
    }
    return entries;
  }

  void Delete(const ObjectRef& ref) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    const auto found = buckets_.find(ref.bucket);
    if (found == buckets_.end()) return;
    found->second.erase(ref.key);
    if (found->second.empty()) buckets_.erase(found);
  }

  void SetFault(uint64_t successes, ErrorKind kind) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    fault_ = Fault{successes, kind};
  }

  void ClearFault() EXCLUDES(mu_) {
    MutexLock lock(mu_);
    fault_.reset();
  }

 private:
  using Bucket = std::map<std::string, Version>;  // by key; std::string orders by bytes

  struct Fault {
    uint64_t successes_left;
    ErrorKind kind;
  };

  const Version* Find(const ObjectRef& ref) REQUIRES(mu_) {
    const auto bucket = buckets_.find(ref.bucket);
    if (bucket == buckets_.end()) return nullptr;
    const auto object = bucket->second.find(ref.key);
    return object == bucket->second.end() ? nullptr : &object->second;
  }

  Mutex mu_;
  std::map<std::string, Bucket> buckets_ GUARDED_BY(mu_);
  uint64_t commits_ GUARDED_BY(mu_) = 0;
  std::optional<Fault> fault_ GUARDED_BY(mu_);
};

namespace {

class MemoryObject : public RandomAccessObject {
 public:
  using Version = MemoryStore::State::Version;

  MemoryObject(std::shared_ptr<MemoryStore::State> state, ObjectRef ref, Version version)
      : state_(std::move(state)), ref_(std::move(ref)), version_(std::move(version)) {}

  const ObjectInfo& info() const override { return version_.info; }

  size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override {
    state_->CheckCurrent(ref_, version_.info.etag);
    const std::string& data = *version_.data;
    if (offset >= data.size() || dst.empty()) return 0;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(dst.size(), data.size() - offset));
    std::memcpy(dst.data(), data.data() + offset, n);
    return n;
  }

 private:
  const std::shared_ptr<MemoryStore::State> state_;
  const ObjectRef ref_;
  const Version version_;
};

class MemoryWriter : public ObjectWriter {
 public:
  MemoryWriter(std::shared_ptr<MemoryStore::State> state, ObjectRef ref, WriteOptions options)
      : state_(std::move(state)), ref_(std::move(ref)), options_(std::move(options)) {}

  void Append(std::span<const std::byte> data) override {
    RequireOpen("append to");
    data_.append(reinterpret_cast<const char*>(data.data()), data.size());
  }

  ObjectInfo Commit() override {
    RequireOpen("commit");
    open_ = false;
    return state_->Commit(ref_, std::exchange(data_, std::string()), options_);
  }

  void Abort() noexcept override {
    open_ = false;
    data_ = std::string();
  }

 private:
  void RequireOpen(const char* what) const {
    if (!open_) {
      throw Error(ErrorKind::kInternal, Context("write", ref_) + ": cannot " + what +
                                            " a writer that was already committed or aborted");
    }
  }

  const std::shared_ptr<MemoryStore::State> state_;
  const ObjectRef ref_;
  const WriteOptions options_;
  std::string data_;
  bool open_ = true;
};

}  // namespace

MemoryStore::MemoryStore() : state_(std::make_shared<State>()) {}

MemoryStore::~MemoryStore() = default;

ObjectInfo MemoryStore::Stat(const ObjectRef& ref) {
  const std::string context = Context("stat", ref);
  ValidateRef(ref, context);
  return state_->Current(ref, context).info;
}

std::unique_ptr<RandomAccessObject> MemoryStore::OpenForRead(const ObjectRef& ref) {
  const std::string context = Context("open", ref);
  ValidateRef(ref, context);
  return std::make_unique<MemoryObject>(state_, ref, state_->Current(ref, context));
}

std::unique_ptr<ObjectWriter> MemoryStore::NewWriter(const ObjectRef& ref,
                                                     const WriteOptions& options) {
  const std::string context = Context("write", ref);
  ValidateRef(ref, context);
  ValidateUserMetadata(options.metadata, context);
  ValidateContentType(options.content_type, context);
  return std::make_unique<MemoryWriter>(state_, ref, options);
}

void MemoryStore::List(const std::string& bucket, const std::string& prefix,
                       const std::function<bool(const ListEntry&)>& visit) {
  ValidateBucket(bucket, "memory store: list " + EscapeForMessage(bucket) + "/" +
                             EscapeForMessage(prefix) + "*");
  for (const ListEntry& entry : state_->List(bucket, prefix)) {
    if (!visit(entry)) return;
  }
}

void MemoryStore::Delete(const ObjectRef& ref) {
  ValidateRef(ref, Context("delete", ref));
  state_->Delete(ref);
}

void MemoryStore::FailCommitsAfter(uint64_t successes, ErrorKind kind) {
  state_->SetFault(successes, kind);
}

void MemoryStore::ClearFaults() { state_->ClearFault(); }

std::unique_ptr<ObjectStore> MakeMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace unpackd
