// The user metadata every extracted object carries, naming where it came from. Later runs
// read it back to recognise objects an interrupted run already wrote.
#pragma once

#include <optional>
#include <string>

#include "store/object_store.h"

namespace unpackd {

inline constexpr const char* kMetaSource = "unpackd-source";  // "bucket/key", %-encoded
inline constexpr const char* kMetaSourceEtag = "unpackd-source-etag";
inline constexpr const char* kMetaCrc32 = "unpackd-crc32";  // "%08x"

// S3 metadata values must be printable ASCII, so the source "bucket/key" (often Korean) is
// percent-encoded as in RFC 3986: unreserved characters and '/' stay, the rest becomes %XX.
// The CRC is left out when the format records none.
UserMetadata MemberMetadata(const ObjectRef& archive, const std::string& archive_etag,
                            std::optional<uint32_t> crc32);

// True if `info` describes an object this archive version already produced for a member
// with this size and CRC.
bool IsFromArchive(const ObjectInfo& info, const ObjectRef& archive,
                   const std::string& archive_etag, uint64_t size, std::optional<uint32_t> crc32);

// True if `info` describes an object unpackd wrote from any version of `archive` that already
// holds this member's bytes as this run would write them: the same size, CRC-32 and
// Content-Type. A re-made archive in which a few members changed keeps the others' objects
// (their `unpackd-source-etag` still names the version that wrote them). Without a CRC (tar
// records none) nothing but IsFromArchive can vouch for an object, so this is false.
bool HoldsMemberBytes(const ObjectInfo& info, const ObjectRef& archive, uint64_t size,
                      std::optional<uint32_t> crc32, const std::string& content_type);

// True if `info` describes an object unpackd wrote from `archive` (any version of it).
bool IsFromSourceKey(const ObjectInfo& info, const ObjectRef& archive);

}  // namespace unpackd
