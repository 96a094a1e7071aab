// Key and bucket-name rules for stores that map keys onto a filesystem (LocalStore).
//
// S3 accepts almost any UTF-8 key; a directory tree cannot hold every one of them safely. These
// rules keep every accepted key inside its bucket folder and give it the same meaning on every
// platform. Anything they refuse is refused with ErrorKind::kUsage and a message naming the key.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace unpackd {

// Names that start with this are the store's own bookkeeping (sidecar tree, temp files); no key
// segment and no bucket may start with it.
inline constexpr std::string_view kReservedNamePrefix = ".unpackd-";

// Why `key` cannot be stored, or nullopt if it can. A key is accepted when it is valid UTF-8,
// 1..1024 bytes, without control characters (C0, DEL, C1) or backslashes, does not start with
// '/', and every '/'-separated segment is 1..255 bytes, not "." or "..", and does not start with
// kReservedNamePrefix.
std::optional<std::string> ObjectKeyProblem(std::string_view key);

// Why `name` cannot be a bucket folder, or nullopt. Like one key segment, and additionally
// must not start with '.' (hidden folders are never buckets).
std::optional<std::string> BucketNameProblem(std::string_view name);

// Throw Error(kUsage) naming the key / bucket if the checks above fail.
void ValidateObjectKey(std::string_view bucket, std::string_view key);
void ValidateBucketName(std::string_view name);

// `text` with control bytes and backslashes written as \xNN, for error messages (UTF-8 stays
// readable).
std::string EscapeForMessage(std::string_view text);

}  // namespace unpackd
