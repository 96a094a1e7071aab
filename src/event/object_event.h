// ObjectEvent: one "object created" notification, whatever carried it (S3 to Lambda, SQS, SNS,
// EventBridge, radosgw or MinIO webhooks and AMQP, the local store watcher), reduced to what
// deciding and running a job needs. Keys are decoded to the object's real UTF-8 name.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace unpackd {

struct ObjectEvent {
  std::string bucket;
  std::string key;         // the object's real key, decoded as its source encodes it
  std::string etag;        // without quotes; empty when the message carries none
  std::string version_id;  // empty when the bucket is unversioned (null, absent or "")
  std::string sequencer;   // S3's per-key ordering token (hex); empty when absent
  std::optional<uint64_t> size;
  std::string event_name;  // without the "s3:" prefix: "ObjectCreated:Put", ...
  std::string event_time;  // ISO 8601 as sent; empty when absent
  std::string origin;      // where it came from: "aws:s3", "ceph:s3", "minio:s3",
                           // "aws.s3" (EventBridge), kLocalOrigin (the watcher)
  // The object's user metadata when the message carries it (radosgw's object.metadata, MinIO's
  // userMetadata; AWS sends none): lower-case names without "x-amz-meta-", as ObjectInfo has
  // them. Objects unpackd writes name their archive here (extract/member_metadata.h).
  std::map<std::string, std::string> user_metadata;
  bool has_user_metadata = false;  // the message carried the object's metadata (even if empty)
};

// The origin of events for the local store (buckets are folders), whatever watched them.
inline constexpr const char* kLocalOrigin = "local";

}  // namespace unpackd
