// ObjectStore: the one interface between unpackd and wherever objects live.
//
// Implementations: LocalStore (a directory whose top-level folders are buckets) and S3Store
// (any S3-compatible server). Tests swap in either, or a fault-injecting wrapper.
//
// Errors: every method throws unpackd::Error. Its kind tells the caller what happened:
// kNotFound (no such object/bucket), kPrecondition (the object changed since it was opened),
// kAccessDenied, kTransient (implementations have already retried; the caller may retry the
// whole operation later), kIo (anything else). Messages name the operation, bucket and key.
//
// Thread safety: an ObjectStore, and every RandomAccessObject it returns, may be used from many
// threads at once. An ObjectWriter belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "io/random_access_source.h"

namespace unpackd {

// Names one object. `key` is any valid UTF-8 string S3 would accept (1..1024 bytes).
struct ObjectRef {
  std::string bucket;
  std::string key;

  // "bucket/key", for messages.
  std::string ToString() const { return bucket + "/" + key; }
};

using UserMetadata = std::map<std::string, std::string>;

struct ObjectInfo {
  uint64_t size = 0;
  // Opaque; changes whenever the object's content is replaced. Stored without quotes.
  std::string etag;
  std::string version_id;  // empty when the store does not version
  std::string content_type;
  UserMetadata metadata;  // lower-case names, without any "x-amz-meta-" prefix
};

// A pinned, readable view of one object version. ReadAt (see RandomAccessSource): fewer bytes
// than asked only at the end of the object; if the object was replaced since it was opened,
// throws kPrecondition rather than mixing bytes of two versions. Safe from many threads.
class RandomAccessObject : public RandomAccessSource {
 public:
  // The object as it was when opened. Never changes for the lifetime of this reader.
  virtual const ObjectInfo& info() const = 0;

  uint64_t size() const final { return info().size; }
};

struct WriteOptions {
  std::string content_type;  // empty: the store's default
  // One rule for every store (ValidateUserMetadata, store/key_validation.h), checked by
  // NewWriter (kUsage, code "invalid-metadata"): names are 1 or more lower-case ASCII letters,
  // digits, '-' and '_' ([a-z0-9_-]+); values are printable ASCII (0x20..0x7e).
  UserMetadata metadata;
  // The caller's estimate of the final size; lets S3 choose single vs multipart upload and a
  // part size. Not trusted: the writer must accept more or fewer bytes.
  std::optional<uint64_t> size_hint;
  // Empty, or a key prefix in the same bucket under which a store with multipart uploads keeps
  // an upload record (store/upload_record.h) for every multipart upload this writer starts:
  // written before the first part is sent (a writer that cannot write it aborts the upload and
  // throws), deleted once the upload is completed or aborted (kept when the abort failed, so a
  // later run can retry it). A crash leaves the record, which is how a later run finds the
  // upload and proves it is its own (see ObjectStore::AbortUpload). Stores without multipart
  // uploads ignore it.
  std::string upload_records_prefix;
  // Commit only where no object is under the key yet (S3's `If-None-Match: *`), so that of
  // writers racing for one key exactly one wins: Commit then throws
  // Error(kPrecondition, code "object-exists") and leaves the object there. A commit whose
  // reply was lost and whose retry finds its own object accepts it, as without the condition.
  // A server that ignores the condition (s3rver) replaces the object as if it were not set.
  bool if_absent = false;
};

// Streams one new object. Nothing is visible to readers until Commit() returns; a writer
// destroyed (or Abort()ed) before Commit() leaves no trace: no partial object, no temp file,
// no orphan multipart upload.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;

  // Appends bytes. May block while earlier data is being flushed (this is the backpressure
  // that bounds memory). Throws on failure; the writer is then unusable and already aborted.
  virtual void Append(std::span<const std::byte> data) = 0;

  // Makes the object visible under its key atomically, replacing any previous object.
  // Returns the stored object's info. Throws on failure, leaving no new object.
  virtual ObjectInfo Commit() = 0;

  // Discards everything written so far. Never throws. Idempotent.
  virtual void Abort() noexcept = 0;
};

// What retrying requests cost a store since it was made (reports: `extract --json`, the
// summary line).
struct RetryTotals {
  uint64_t retries = 0;       // requests sent again after a failure
  double waited_seconds = 0;  // waiting before those retries, summed over the requests
};

// What CopyRange made: the new object, and its whole-object CRC-32 when the server computed
// and returned one (a multipart copy generally has none: S3's multipart checksums are
// composite, a CRC of the parts' CRCs).
struct CopiedObject {
  ObjectInfo info;
  std::optional<uint32_t> crc32;
};

struct ListEntry {
  std::string key;
  uint64_t size = 0;
  std::string etag;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Metadata of one object. Throws kNotFound if absent.
  virtual ObjectInfo Stat(const ObjectRef& ref) = 0;

  // Opens the current version for random reads; every later read is pinned to this version.
  virtual std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) = 0;

  // Starts a new object; see ObjectWriter. The key is validated here (kUsage if the store
  // cannot hold it safely).
  virtual std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                                  const WriteOptions& options) = 0;

  // Calls `visit` for every object whose key starts with `prefix`, in ascending key order.
  // `visit` returns false to stop early. Objects written concurrently may or may not appear.
  virtual void List(const std::string& bucket, const std::string& prefix,
                    const std::function<bool(const ListEntry&)>& visit) = 0;

  // Removes one object. Removing an absent object succeeds (as in S3).
  virtual void Delete(const ObjectRef& ref) = 0;

  // Why this store cannot hold an object under `key` (a phrase that follows "the key": "has a
  // segment longer than 255 bytes"), or nullopt. NewWriter refuses such a key with kUsage; a
  // caller that makes keys from untrusted names (the extraction plan) asks first, so that one
  // bad name is refused as that name rather than as a usage error. The default is S3's rule
  // (S3KeyProblem in store/key_validation.h); a store with stricter rules overrides it.
  virtual std::optional<std::string> KeyProblem(std::string_view key) const;

  // Whether one key may be an object while longer keys continue it as a folder ("a/b" and
  // "a/b/c" at once). S3 allows it (the default); a file system cannot, so the extraction plan
  // refuses such a member before anything is written instead of failing on it halfway.
  virtual bool KeysMayNest() const { return true; }

  // Aborts the incomplete multipart upload `upload_id` of `ref`, discarding its parts. An
  // upload that is no longer there (completed, or already aborted) is not an error, and the
  // object under the key is never touched. Callers pass only uploads they can prove they
  // started (an upload record), never one merely listed under a prefix. Throws on other store
  // errors. The default, for stores without multipart uploads, does nothing.
  virtual void AbortUpload(const ObjectRef& ref, const std::string& upload_id);

  // The retries of this store's requests so far. Thread-safe. The default, for stores that
  // never retry (the local and in-memory stores), is zero.
  virtual RetryTotals retry_totals() { return {}; }

  // Creates `dest` from the bytes [offset, offset + length) of `source` inside the store
  // itself, so they never pass through this process (S3: UploadPartCopy). Every range read is
  // pinned to `source_etag`: a source replaced meanwhile throws kPrecondition and leaves no
  // new object. `options` as for NewWriter (content type, metadata, upload records; the size
  // hint is ignored, the length is exact). Like a committed writer, the new object is visible
  // whole or not at all; a failure aborts whatever upload it started.
  // Returns nullopt, having written nothing, when the store or its server cannot copy ranges
  // (the default; S3: a server answering NotImplemented): the caller writes the object itself.
  // Other failures throw as the store's other methods do. Thread-safe.
  virtual std::optional<CopiedObject> CopyRange(const ObjectRef& source,
                                                const std::string& source_etag, uint64_t offset,
                                                uint64_t length, const ObjectRef& dest,
                                                const WriteOptions& options);
};

}  // namespace unpackd
