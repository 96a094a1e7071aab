// What a store accepts: keys and bucket names, and the user metadata of a write.
//
// Keys and bucket names, for stores that map keys onto a filesystem (LocalStore): S3 accepts
// almost any UTF-8 key; a directory tree cannot hold every one of them safely. These rules keep
// every accepted key inside its bucket folder and give it the same meaning on every platform.
// Anything they refuse is refused with ErrorKind::kUsage and a message naming the key. Stores
// that can hold any key S3 can (the memory store) check S3KeyProblem only.
//
// User metadata (ValidateUserMetadata): one rule for every store, so that whatever one store
// accepts, another can hold too.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/object_store.h"

namespace unpackd {

// Names that start with this are the store's own bookkeeping (sidecar tree, temp files); no key
// segment and no bucket may start with it.
inline constexpr std::string_view kReservedNamePrefix = ".unpackd-";

// Why `key` cannot be stored, or nullopt if it can. A key is accepted when it is valid UTF-8,
// 1..1024 bytes, without control characters (C0, DEL, C1) or backslashes, does not start with
// '/', and every '/'-separated segment is 1..255 bytes, not "." or "..", and does not start with
// kReservedNamePrefix.
std::optional<std::string> ObjectKeyProblem(std::string_view key);

// Why S3 itself would refuse `key`, or nullopt: a key must be 1..1024 bytes of valid UTF-8.
std::optional<std::string> S3KeyProblem(std::string_view key);

// Why `name` cannot be a bucket folder, or nullopt. Like one key segment, and additionally
// must not start with '.' (hidden folders are never buckets).
std::optional<std::string> BucketNameProblem(std::string_view name);

// Throw Error(kUsage) naming the key / bucket if the checks above fail.
void ValidateObjectKey(std::string_view bucket, std::string_view key);
void ValidateBucketName(std::string_view name);

// Throws Error(kUsage, "<context>: ...", "invalid-metadata") unless every name is 1 or more
// lower-case ASCII letters, digits, '-' and '_' (the characters an S3 "x-amz-meta-" header name
// keeps as sent, and a local sidecar stores verbatim), and every value is printable ASCII (0x20 to
// 0x7e: an HTTP header value needs no encoding). `context` names the write ("local store: write
// b/k"). Every store checks this in NewWriter (see WriteOptions in store/object_store.h).
void ValidateUserMetadata(const UserMetadata& metadata, std::string_view context);

// Throws Error(kUsage, "<context>: ...") unless `content_type` is printable ASCII.
void ValidateContentType(std::string_view content_type, std::string_view context);

// `text` with control bytes and backslashes written as \xNN, for error messages (UTF-8 stays
// readable).
std::string EscapeForMessage(std::string_view text);

}  // namespace unpackd
