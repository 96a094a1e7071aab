// S3Client: the S3 REST operations unpackd uses, signed, retried and with S3's errors turned
// into unpackd::Error. Stateless apart from its connection pool, credential cache and the
// endpoint's gate (outages are ridden out by all requests together); every method is
// thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cloud/aws/aws_credentials.h"
#include "cloud/aws/sigv4_signer.h"
#include "net/endpoint_gate.h"
#include "net/http_client.h"
#include "store/object_store.h"
#include "store/s3/s3_addressing.h"
#include "store/s3/s3_config.h"
#include "store/s3/throttle_totals.h"

namespace unpackd::s3 {

// One S3 request, as the retry loop needs it.
struct S3Call {
  std::string operation;  // "GetObject", ... for messages
  std::string method;
  std::string bucket;
  std::string key;
  net::QueryParams query;
  net::HeaderList headers;
  std::span<const std::byte> body;  // not owned
  // 2xx bodies go here chunk by chunk instead of into HttpResponse::body (see HttpRequest).
  std::function<void(std::span<const std::byte>)> on_body;
  // Runs before every attempt with the headers to send; lets a download move its Range past
  // bytes already received before a connection broke.
  std::function<void(net::HeaderList&)> before_attempt;
  // See HttpRequest::on_response_start; runs on every attempt.
  std::function<void(const net::HttpResponse&)> on_response_start;
  // S3 can answer 200 and still fail (CompleteMultipartUpload): inspect the body for <Error>.
  bool body_may_hold_error = false;
  // The server's own work grows with the object (CompleteMultipartUpload, UploadPartCopy), so
  // the wait for its answer is no measure of its queue (net/concurrency_limit.h).
  bool answer_waits_on_server_work = false;
};

inline S3Call NewS3Call(std::string operation, std::string method, std::string bucket,
                        std::string key) {
  S3Call call;
  call.operation = std::move(operation);
  call.method = std::move(method);
  call.bucket = std::move(bucket);
  call.key = std::move(key);
  return call;
}

struct PutResult {
  std::string etag;  // without quotes
  std::string version_id;
  // The object's CRC-32 as the server reported it (S3's base64 form, a "-N" suffix when
  // composite); empty when it sent none.
  std::string checksum_crc32;
};

// One uploaded part, as CompleteMultipartUpload names it.
struct UploadedPart {
  int number = 0;
  std::string etag;  // quotes kept, as CompleteMultipartUpload wants them
  // The part's CRC-32 in S3's form (base64 of its 4 big-endian bytes); empty when the part
  // was sent with Content-MD5 instead.
  std::string checksum_crc32;
};

struct ListPage {
  std::vector<ListEntry> entries;
  std::string next_continuation_token;  // empty when this was the last page
};

struct MultipartUploadListing {
  std::string key;
  std::string upload_id;
};

class S3Client {
 public:
  // Throws kUsage for a malformed endpoint.
  explicit S3Client(const S3Config& config);

  // Signs and sends `call`, retrying transient failures per the config's RetryPolicy through
  // the endpoint's gate (one request probes an endpoint that is down, the others wait).
  // Returns the 2xx response; throws unpackd::Error (see MakeS3Error) otherwise.
  net::HttpResponse Execute(const S3Call& call);

  // HEAD the object. kNotFound if absent.
  ObjectInfo HeadObject(const std::string& bucket, const std::string& key);
  PutResult PutObject(const std::string& bucket, const std::string& key,
                      std::span<const std::byte> body, const WriteOptions& options);
  // PutObject, UploadPart and CreateMultipartUpload carry the config's body checksum. When the
  // server refuses flexible checksums (InvalidArgument, InvalidRequest or NotImplemented about
  // a checksum), the request is sent again with Content-MD5, and so is every later one; under
  // BodyChecksum::kAuto, so is every request after a reply that does not echo the checksum
  // (the server did not check it).
  // `part_checksums`: whether parts will carry their CRC-32 (false for parts copied by
  // UploadPartCopy, whose bytes this process never sees).
  std::string CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                    const WriteOptions& options, bool part_checksums = true);
  UploadedPart UploadPart(const std::string& bucket, const std::string& key,
                          const std::string& upload_id, int part_number,
                          std::span<const std::byte> body);
  // Part `part_number` made by the server from bytes [first, last] of `source_key` in
  // `source_bucket`, only while that object's ETag is `source_etag` (else kPrecondition).
  // S3 may answer 200 and fail in the body; that is an error like any other.
  UploadedPart UploadPartCopy(const std::string& bucket, const std::string& key,
                              const std::string& upload_id, int part_number,
                              const std::string& source_bucket, const std::string& source_key,
                              const std::string& source_etag, uint64_t first, uint64_t last);
  // `parts` in ascending part order. With `if_absent`, only where the key holds no object
  // (If-None-Match: *; refused with kPrecondition).
  PutResult CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id,
                                    const std::vector<UploadedPart>& parts, bool if_absent = false);
  void AbortMultipartUpload(const std::string& bucket, const std::string& key,
                            const std::string& upload_id);
  ListPage ListObjectsV2(const std::string& bucket, const std::string& prefix,
                         const std::string& continuation_token, int max_keys);
  // Incomplete multipart uploads under `prefix` (first 1000); used to prove none is orphaned.
  std::vector<MultipartUploadListing> ListMultipartUploads(const std::string& bucket,
                                                           const std::string& prefix);
  void DeleteObject(const std::string& bucket, const std::string& key);

  const S3Config& config() const { return config_; }
  // What retrying cost this client's requests so far. Thread-safe.
  RetryTotals retry_totals();
  // What throttling this client's requests met, and the adaptive limit's course. Thread-safe.
  ThrottleTotals throttle_totals();
  // Whether the next body carries its CRC-32 rather than Content-MD5 (see above).
  bool SendsCrc32() const;

 private:
  aws::AwsCredentials CurrentCredentials();
  bool ShouldSignPayload() const;
  // Runs `send(crc32)` with crc32 = SendsCrc32(); on a refusal of flexible checksums, marks
  // them refused and runs `send(false)`.
  template <typename Send>
  auto WithBodyChecksum(const Send& send) -> decltype(send(true));
  // Under kAuto, a reply to a body sent with its CRC-32 that does not echo it means the server
  // ignores flexible checksums: later bodies carry Content-MD5, which it does check.
  void NoteChecksumEcho(const net::HttpResponse& response);

  S3Config config_;
  S3Addressing addressing_;
  aws::SigV4Signer signer_;
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  net::HttpClient http_;
  net::EndpointGate gate_;
  std::atomic<bool> crc32_unchecked_{false};  // refused, or ignored under kAuto
};

// Strips the surrounding quotes S3 puts around ETags.
std::string UnquoteEtag(const std::string& etag);

// Fills ObjectInfo fields from GET/HEAD response headers (not the size).
ObjectInfo ObjectInfoFromHeaders(const net::HttpResponse& response);

}  // namespace unpackd::s3
