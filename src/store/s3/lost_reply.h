// Lost replies: a PutObject or CompleteMultipartUpload can take effect on the server and
// its reply still never arrive (a reset, a proxy dying). The retry then fails although the
// object is complete: a retried Complete finds its upload gone (NoSuchUpload), and a
// PutObject whose every reply is lost runs out of retries. Before such a write is reported
// failed, the writer HEADs the key and accepts the object found there if it is the one it
// was writing: same size and the same user metadata (unpackd's carries the source archive's
// ETag and the member's CRC-32), or, for an object written without metadata, the ETag its
// bytes get from a server that uses MD5 ETags.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "store/object_store.h"
#include "store/s3/s3_client.h"
#include "util/error.h"

namespace unpackd::s3 {

// What a writer expects under its key once its write took effect.
struct ExpectedObject {
  uint64_t size = 0;
  UserMetadata metadata;  // every pair must be on the object found
  // Consulted only when `metadata` is empty (then it is the only identity): the ETag the
  // bytes get from a server with MD5 ETags; empty when unknown (nothing is then accepted).
  std::string content_etag;
};

// The ETag of one PutObject of `body`: its MD5 in hex.
std::string SinglePartEtag(std::span<const std::byte> body);
// The ETag of a multipart upload of these parts (ETags as UploadPart returned them, in part
// order): the MD5 of their MD5s, "-", the part count. Empty if a part's ETag is not an MD5.
std::string MultipartEtag(const std::vector<UploadedPart>& parts);

// True if a write that failed with `error` may still have taken effect: its retries gave up
// on a transient failure, or its upload is gone (NoSuchUpload).
bool MayHaveTakenEffect(const Error& error);

// Why `found` is not the expected object ("size 12, expected 10"), or nullopt when it is.
std::optional<std::string> DifferenceFrom(const ObjectInfo& found, const ExpectedObject& expected);

// For a write to `ref` that failed with `error`: returns the object under the key when the
// write may have taken effect and HEAD shows the expected object. Otherwise throws `error`,
// its message extended with what the check found.
ObjectInfo AcceptIfWritten(S3Client& client, const ObjectRef& ref, const ExpectedObject& expected,
                           const Error& error);

// For a conditional write (WriteOptions::if_absent) refused with `error` because the key
// holds an object: returns that object when it is the one being written (an earlier attempt
// took effect and its reply was lost). Otherwise throws Error(kPrecondition, code
// "object-exists"): another writer's object is there, and stays.
ObjectInfo AcceptIfOwnObject(S3Client& client, const ObjectRef& ref, const ExpectedObject& expected,
                             const Error& error);

}  // namespace unpackd::s3
