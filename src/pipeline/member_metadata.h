// The user metadata every extracted object carries, naming where it came from. Later runs
// read it back to recognise objects an interrupted run already wrote.
#pragma once

#include <string>

#include "store/object_store.h"

namespace unpackd {

inline constexpr const char* kMetaSource = "unpackd-source";  // "bucket/key", %-encoded
inline constexpr const char* kMetaSourceEtag = "unpackd-source-etag";
inline constexpr const char* kMetaCrc32 = "unpackd-crc32";  // "%08x"

// S3 metadata values must be printable ASCII, so keys (often Korean) are percent-encoded as
// in RFC 3986: unreserved characters and '/' stay, everything else becomes %XX.
std::string PercentEncode(const std::string& value);

UserMetadata MemberMetadata(const ObjectRef& archive, const std::string& archive_etag,
                            uint32_t crc32);

// True if `info` describes an object this archive version already produced for a member
// with this size and CRC.
bool IsFromArchive(const ObjectInfo& info, const ObjectRef& archive,
                   const std::string& archive_etag, uint64_t size, uint32_t crc32);

}  // namespace unpackd
