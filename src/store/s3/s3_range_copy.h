// Server-side range copy: a new object made by the server from a stretch of another object
// in the same store (ObjectStore::CopyRange), so the bytes never cross the network twice.
//
// One multipart upload: CreateMultipartUpload, one UploadPartCopy per part (sizes from the
// PartSizePlan for the length, so every part but the last is at least S3's 5 MiB and none
// exceeds its 5 GiB copy limit), each pinned by x-amz-copy-source-if-match to the source's
// ETag, then CompleteMultipartUpload. Part 1 is copied first (a server that cannot copy
// says so there); the others, up to 8 at once, as leaf tasks on the store's I/O lane, which
// the caller waits for: call it from the member lane, never from the I/O lane. The upload is
// recorded like a writer's (WriteOptions::upload_records_prefix) and aborted on any failure; a
// Complete whose reply was lost is accepted as lost_reply.h says.
#pragma once

#include <optional>
#include <string>

#include "store/object_store.h"
#include "store/s3/s3_store_context.h"

namespace unpackd::s3 {

// See ObjectStore::CopyRange. Returns nullopt when the server does not implement
// UploadPartCopy (NotImplemented: s3rver); nothing is left behind then either.
std::optional<CopiedObject> CopyRangeOnServer(S3StoreContext& context, const ObjectRef& source,
                                              const std::string& source_etag, uint64_t offset,
                                              uint64_t length, const ObjectRef& dest,
                                              const WriteOptions& options);

// The CRC-32 in `checksum` (S3's form: base64 of four big-endian bytes), or nullopt when it
// is absent, composite ("...-N": a CRC of part CRCs, not of the object) or malformed.
std::optional<uint32_t> FullObjectCrc32(const std::string& checksum);

}  // namespace unpackd::s3
