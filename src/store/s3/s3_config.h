// S3Config: everything that shapes how the S3 store talks to its server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cloud/aws/aws_credentials.h"
#include "net/retry_policy.h"
#include "util/cancellation.h"

namespace unpackd::s3 {

// The integrity header an upload body carries.
enum class BodyChecksum {
  // x-amz-checksum-crc32 while the server shows it checks it (S3 echoes the header in its
  // reply); Content-MD5 from the first reply without the echo, or the first refusal, on.
  kAuto,
  kCrc32,       // x-amz-checksum-crc32 always (composite for multipart), echoed or not
  kContentMd5,  // Content-MD5 always
};

struct S3Config {
  // Signing region. Empty: taken from the profile's config, else "us-east-1".
  std::string region;
  // "https://host[:port][/base]" of an S3-compatible server. Empty: AWS
  // (https://s3.<region>.amazonaws.com).
  std::string endpoint;
  // Profile in ~/.aws/credentials and ~/.aws/config. Empty: AWS_PROFILE, else "default".
  std::string profile;
  // Path-style (https://host/bucket/key) vs virtual-hosted (https://bucket.host/key).
  // nullopt: path style for custom endpoints and for bucket names that are not plain DNS
  // labels (dots, capitals, underscores), virtual-hosted otherwise.
  std::optional<bool> path_style;

  // Concurrent requests (and thus connections) per store.
  size_t max_connections = 64;
  // Adapt the requests in flight to the server (net/concurrency_limit.h): start at
  // max_connections, halve on throttling (503 SlowDown, 429, Throttling), grow back while
  // requests succeed. false: max_connections, whatever the server answers (--adaptive=off).
  bool adaptive_concurrency = true;
  // Smallest multipart part; members are uploaded with one PutObject when they fit in one.
  // Grows automatically so that a member of up to 5 TiB fits in 10,000 parts.
  uint64_t part_size = 16ull << 20;
  // Keys per ListObjectsV2 page (S3's maximum is 1000).
  int list_page_size = 1000;

  // Retries: a time budget (2 minutes) during which requests ride out an outage together;
  // see net/retry_policy.h and net/endpoint_gate.h.
  net::RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::seconds stall_timeout{30};
  // PEM bundle of CAs to trust for https; empty: the system CA store.
  std::string ca_bundle;

  // Sign the SHA-256 of every body (true) or send "UNSIGNED-PAYLOAD" (false). nullopt: sign
  // over plain http, skip over https (TLS already protects integrity, and the body checksum
  // still guards every body end to end). UNPACKD_S3_SIGN_PAYLOAD=on|off|auto.
  std::optional<bool> sign_payload;
  // How the server checks each upload body: CRC-32 costs a small fraction of MD5's CPU time.
  // UNPACKD_S3_CHECKSUM=auto|crc32|md5.
  BodyChecksum body_checksum = BodyChecksum::kAuto;

  // Where credentials come from. nullptr: the AWS SDKs' default chain (environment, profile
  // files, container endpoint, EC2 instance metadata).
  std::shared_ptr<aws::CredentialsProvider> credentials;

  // Optional; must outlive the store. Once cancelled, requests stop retrying and requests
  // waiting out an outage wake and fail with kCancelled (first attempts still go out, so
  // uploads can be aborted on the way out).
  const CancellationToken* cancel = nullptr;
};

// A default S3Config with endpoint, region and profile filled from the environment:
// endpoint from AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; region from AWS_REGION, else
// AWS_DEFAULT_REGION; profile from AWS_PROFILE; ca_bundle from AWS_CA_BUNDLE; the retry time
// budget from UNPACKD_RETRY_TIME (seconds); the body checksum from UNPACKD_S3_CHECKSUM and payload
// signing from UNPACKD_S3_SIGN_PAYLOAD. Unset variables leave the defaults. Throws Error(kUsage)
// for a retry time that is not a number of seconds from 0 to 86400, or a value the other two
// do not take.
S3Config S3ConfigFromEnvironment();

// Seconds (0 to 86400, fractions allowed) as a retry time budget; throws Error(kUsage) naming
// `source` (an option or variable) otherwise.
std::chrono::milliseconds ParseRetryTime(const std::string& seconds, const std::string& source);

}  // namespace unpackd::s3
