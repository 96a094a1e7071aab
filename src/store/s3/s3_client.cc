#include "store/s3/s3_client.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <pugixml.hpp>
#include <sstream>

#include "cloud/aws/aws_config_file.h"
#include "cloud/aws/credentials_chain.h"
#include "cloud/aws/hashing.h"
#include "codec/crc32.h"
#include "net/endpoint_url.h"
#include "net/uri_encoding.h"
#include "store/s3/s3_error.h"
#include "util/ascii.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string ResolveRegion(const S3Config& config) {
  if (!config.region.empty()) return config.region;
  std::string from_profile = aws::RegionFromAwsConfig(
      config.profile.empty() ? aws::DefaultAwsProfileName() : config.profile);
  return from_profile.empty() ? std::string("us-east-1") : from_profile;
}

net::HttpClientOptions HttpOptionsFor(const S3Config& config) {
  net::HttpClientOptions options;
  options.max_connections = config.max_connections;
  options.connect_timeout = config.connect_timeout;
  options.stall_timeout = config.stall_timeout;
  options.ca_bundle = config.ca_bundle;
  return options;
}

// The adaptive limit on requests in flight: from the pool's width, which the memory plan
// sized for the jobs (`--jobs`), down to one.
std::optional<net::ConcurrencyLimit::Options> LimitFor(const S3Config& config) {
  if (!config.adaptive_concurrency) return std::nullopt;
  net::ConcurrencyLimit::Options options;
  options.ceiling = static_cast<int>(std::clamp<size_t>(config.max_connections, 1, 1 << 20));
  return options;
}

// How messages name the endpoint: its scheme and host, never a path, a query or a password.
std::string EndpointForMessages(const S3Addressing& addressing) {
  return net::RedactUrl((addressing.is_https() ? "https://" : "http://") +
                        addressing.endpoint_host());
}

void AddWriteHeaders(net::HeaderList& headers, const WriteOptions& options) {
  headers.emplace_back("Content-Type", options.content_type.empty()
                                           ? std::string("application/octet-stream")
                                           : options.content_type);
  for (const auto& [name, value] : options.metadata) {
    headers.emplace_back("x-amz-meta-" + name, value);
  }
}

std::string ContentMd5(std::span<const std::byte> body) {
  return aws::Base64Encode(aws::Md5(body));
}

// S3's form of a CRC-32: base64 of its four bytes, most significant first.
std::string Crc32Header(std::span<const std::byte> body) {
  const uint32_t crc = Crc32Update(0, body);
  const std::array<unsigned char, 4> bytes = {
      static_cast<unsigned char>(crc >> 24), static_cast<unsigned char>(crc >> 16),
      static_cast<unsigned char>(crc >> 8), static_cast<unsigned char>(crc)};
  return aws::Base64Encode(bytes);
}

// Adds the body's integrity header; returns the CRC-32 header value when that is what it sent.
std::string AddBodyChecksum(net::HeaderList& headers, std::span<const std::byte> body, bool crc32) {
  if (!crc32) {
    headers.emplace_back("Content-MD5", ContentMd5(body));
    return {};
  }
  std::string checksum = Crc32Header(body);
  headers.emplace_back("x-amz-checksum-crc32", checksum);
  return checksum;
}

// A server that predates flexible checksums, or was configured without them, says so with one
// of these codes and a message about the checksum. BadDigest and XAmzContentChecksumMismatch
// are not refusals: they mean the body arrived damaged.
bool RefusesFlexibleChecksums(const Error& error) {
  if (error.code() != "InvalidArgument" && error.code() != "InvalidRequest" &&
      error.code() != "NotImplemented") {
    return false;
  }
  return AsciiLower(error.what()).find("checksum") != std::string::npos;
}

pugi::xml_document ParseXml(const net::HttpResponse& response, const S3Call& call) {
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) {
    throw Error(ErrorKind::kIo, call.operation + " s3://" + call.bucket + "/" + call.key +
                                    ": the server's answer is not XML");
  }
  return doc;
}

uint64_t ParseSize(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoull(text);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::string UnquoteEtag(const std::string& etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

ObjectInfo ObjectInfoFromHeaders(const net::HttpResponse& response) {
  ObjectInfo info;
  info.etag = UnquoteEtag(response.Header("etag"));
  info.version_id = response.Header("x-amz-version-id");
  if (info.version_id == "null") info.version_id.clear();
  info.content_type = response.Header("content-type");
  for (const auto& [name, value] : response.headers) {
    if (name.rfind("x-amz-meta-", 0) == 0) info.metadata[name.substr(11)] = value;
  }
  return info;
}

S3Client::S3Client(const S3Config& config)
    : config_(config),
      addressing_(config.endpoint, ResolveRegion(config), config.path_style),
      signer_(ResolveRegion(config), "s3"),
      credentials_(config.credentials ? config.credentials
                                      : aws::MakeDefaultCredentialsChain(config.profile)),
      http_(HttpOptionsFor(config)),
      gate_(EndpointForMessages(addressing_), config.retry, config.cancel, LimitFor(config)) {}

bool S3Client::ShouldSignPayload() const {
  return config_.sign_payload.value_or(!addressing_.is_https());
}

aws::AwsCredentials S3Client::CurrentCredentials() {
  std::optional<aws::AwsCredentials> credentials = credentials_->Fetch();
  if (!credentials) {
    throw Error(ErrorKind::kAccessDenied,
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                "configure a profile in ~/.aws/credentials (AWS_PROFILE), or run with a "
                "container or EC2 instance role");
  }
  return *credentials;
}

namespace {

// A request body up to this size takes a negligible share of the wait for the answer.
constexpr size_t kSmallRequestBody = 64 * 1024;

// The wait for the answer's first byte when it measures the server's queue, for the adaptive
// concurrency limit; nullopt when the request's own size or work makes up the wait.
std::optional<double> QueueSignal(const S3Call& call, const net::HttpResponse& response) {
  if (call.answer_waits_on_server_work || call.body.size() > kSmallRequestBody) return std::nullopt;
  return std::chrono::duration<double>(response.first_byte_wait).count();
}

}  // namespace

net::HttpResponse S3Client::Execute(const S3Call& call) {
  const S3Target target = addressing_.For(call.bucket, call.key, call.query);
  std::string payload_hash = "UNSIGNED-PAYLOAD";
  if (call.body.empty()) {
    payload_hash = kEmptySha256;
  } else if (ShouldSignPayload()) {
    payload_hash = aws::Sha256Hex(call.body);
  }
  bool refreshed_credentials = false;
  net::EndpointGate::Passage passage(
      gate_, call.operation + " s3://" + call.bucket + (call.key.empty() ? "" : "/" + call.key));
  for (;;) {
    passage.WaitForTurn();
    const aws::AwsCredentials credentials = CurrentCredentials();
    aws::SigningRequest signing;
    signing.method = call.method;
    signing.canonical_uri = target.canonical_uri;
    signing.query = call.query;
    signing.headers = call.headers;
    if (call.before_attempt) call.before_attempt(signing.headers);
    signing.headers.emplace_back("host", target.host);
    signing.payload_hash = payload_hash;
    std::string authorization =
        signer_.AddAuthHeaders(signing, credentials, std::chrono::system_clock::now());

    net::HttpRequest request;
    request.method = call.method;
    request.url = target.url;
    request.headers = std::move(signing.headers);
    request.headers.emplace_back("Authorization", std::move(authorization));
    request.body = call.body;
    request.on_body = call.on_body;
    request.on_response_start = call.on_response_start;

    S3RequestContext context{call.operation, call.bucket, call.key, credentials.access_key_id};
    std::optional<Error> failure;
    try {
      net::HttpResponse response = http_.Perform(request);
      if (response.status >= 200 && response.status < 300) {
        if (!call.body_may_hold_error || ParseS3ErrorDocument(response.body).code.empty()) {
          passage.Answered(QueueSignal(call, response));
          return response;
        }
        response.status = 500;  // classify the embedded error like a server failure
      }
      const S3ErrorDocument doc = S3ErrorOf(response);
      if (!refreshed_credentials &&
          (doc.code == "ExpiredToken" || doc.code == "TokenRefreshRequired")) {
        // Temporary credentials ran out between our refresh check and the server: refetch.
        if (auto* caching = dynamic_cast<aws::CachingCredentialsProvider*>(credentials_.get())) {
          caching->Invalidate();
          refreshed_credentials = true;
          passage.Answered();
          continue;
        }
      }
      Error error = MakeS3Error(context, response);
      if (error.kind() != ErrorKind::kTransient) {
        passage.Answered();
        throw error;
      }
      if (IsThrottlingS3Failure(response.status, doc.code)) {
        passage.Throttled(error);  // throws when no retry is left
        continue;
      }
      failure = error;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kTransient) throw;
      failure = e;
    }
    passage.Failed(*failure);  // throws when no retry is left
  }
}

RetryTotals S3Client::retry_totals() {
  const net::EndpointGate::Totals totals = gate_.totals();
  return {totals.retries, std::chrono::duration<double>(totals.waited).count()};
}

ThrottleTotals S3Client::throttle_totals() {
  const net::EndpointGate::Totals totals = gate_.totals();
  return {totals.throttled, totals.concurrency.start, totals.concurrency.min,
          totals.concurrency.current, totals.concurrency.latency_cuts};
}

bool S3Client::SendsCrc32() const {
  return config_.body_checksum != BodyChecksum::kContentMd5 && !crc32_unchecked_.load();
}

void S3Client::NoteChecksumEcho(const net::HttpResponse& response) {
  if (config_.body_checksum == BodyChecksum::kAuto &&
      response.Header("x-amz-checksum-crc32").empty()) {
    crc32_unchecked_.store(true);
  }
}

template <typename Send>
auto S3Client::WithBodyChecksum(const Send& send) -> decltype(send(true)) {
  const bool crc32 = SendsCrc32();
  try {
    return send(crc32);
  } catch (const Error& e) {
    if (!crc32 || !RefusesFlexibleChecksums(e)) throw;
    crc32_unchecked_.store(true);
    return send(false);
  }
}

ObjectInfo S3Client::HeadObject(const std::string& bucket, const std::string& key) {
  S3Call call = NewS3Call("HeadObject", "HEAD", bucket, key);
  net::HttpResponse response = Execute(call);
  ObjectInfo info = ObjectInfoFromHeaders(response);
  info.size = ParseSize(response.Header("content-length"));
  return info;
}

PutResult S3Client::PutObject(const std::string& bucket, const std::string& key,
                              std::span<const std::byte> body, const WriteOptions& options) {
  return WithBodyChecksum([&](bool crc32) {
    S3Call call = NewS3Call("PutObject", "PUT", bucket, key);
    AddWriteHeaders(call.headers, options);
    if (options.if_absent) call.headers.emplace_back("If-None-Match", "*");
    AddBodyChecksum(call.headers, body, crc32);
    call.body = body;
    net::HttpResponse response = Execute(call);
    if (crc32) NoteChecksumEcho(response);
    return PutResult{UnquoteEtag(response.Header("etag")), response.Header("x-amz-version-id")};
  });
}

std::string S3Client::CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                            const WriteOptions& options, bool part_checksums) {
  return WithBodyChecksum([&](bool crc32) {
    S3Call call = NewS3Call("CreateMultipartUpload", "POST", bucket, key);
    call.query = {{"uploads", ""}};
    AddWriteHeaders(call.headers, options);
    // Composite (the CRC-32 of the parts' CRC-32s): every part is checked as it arrives.
    if (crc32 && part_checksums) call.headers.emplace_back("x-amz-checksum-algorithm", "CRC32");
    net::HttpResponse response = Execute(call);
    pugi::xml_document doc = ParseXml(response, call);
    std::string upload_id = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (upload_id.empty()) {
      throw Error(ErrorKind::kIo, "CreateMultipartUpload s3://" + bucket + "/" + key +
                                      ": the answer has no UploadId");
    }
    return upload_id;
  });
}

UploadedPart S3Client::UploadPart(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id, int part_number,
                                  std::span<const std::byte> body) {
  return WithBodyChecksum([&](bool crc32) {
    S3Call call = NewS3Call("UploadPart " + std::to_string(part_number), "PUT", bucket, key);
    call.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
    UploadedPart part;
    part.number = part_number;
    part.checksum_crc32 = AddBodyChecksum(call.headers, body, crc32);
    call.body = body;
    net::HttpResponse response = Execute(call);
    if (crc32) NoteChecksumEcho(response);
    part.etag = response.Header("etag");
    if (part.etag.empty()) {
      throw Error(ErrorKind::kIo,
                  call.operation + " s3://" + bucket + "/" + key + ": the answer has no ETag");
    }
    return part;
  });
}

UploadedPart S3Client::UploadPartCopy(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id, int part_number,
                                      const std::string& source_bucket,
                                      const std::string& source_key, const std::string& source_etag,
                                      uint64_t first, uint64_t last) {
  S3Call call = NewS3Call("UploadPartCopy " + std::to_string(part_number), "PUT", bucket, key);
  call.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  call.headers.emplace_back("x-amz-copy-source",
                            net::UriEncodePath(source_bucket + "/" + source_key));
  call.headers.emplace_back("x-amz-copy-source-range",
                            "bytes=" + std::to_string(first) + "-" + std::to_string(last));
  call.headers.emplace_back("x-amz-copy-source-if-match", "\"" + source_etag + "\"");
  call.answer_waits_on_server_work = true;
  // The copy runs while the connection is open; its answer can be a 200 with <Error> inside.
  call.body_may_hold_error = true;
  net::HttpResponse response = Execute(call);
  pugi::xml_document doc;
  doc.load_buffer(response.body.data(), response.body.size());
  if (!doc.child("CopyPartResult")) {
    // A server that ignores x-amz-copy-source takes the request for a plain UploadPart of an
    // empty body: it does not implement the copy, whatever its status said.
    throw Error(ErrorKind::kIo,
                call.operation + " s3://" + bucket + "/" + key +
                    ": the answer has no CopyPartResult (HTTP " + std::to_string(response.status) +
                    "): the server does not implement it",
                "NotImplemented");
  }
  UploadedPart part;
  part.number = part_number;
  const std::string etag = doc.child("CopyPartResult").child_value("ETag");
  if (etag.empty()) {
    throw Error(ErrorKind::kIo,
                call.operation + " s3://" + bucket + "/" + key + ": the answer has no ETag");
  }
  part.etag = "\"" + UnquoteEtag(etag) + "\"";
  return part;
}

PutResult S3Client::CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id,
                                            const std::vector<UploadedPart>& parts,
                                            bool if_absent) {
  pugi::xml_document request_doc;
  pugi::xml_node root = request_doc.append_child("CompleteMultipartUpload");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  for (const UploadedPart& uploaded : parts) {
    pugi::xml_node part = root.append_child("Part");
    part.append_child("PartNumber").text().set(uploaded.number);
    part.append_child("ETag").text().set(uploaded.etag.c_str());
    if (!uploaded.checksum_crc32.empty()) {
      part.append_child("ChecksumCRC32").text().set(uploaded.checksum_crc32.c_str());
    }
  }
  std::ostringstream xml;
  request_doc.save(xml, "", pugi::format_raw);
  const std::string body = xml.str();

  S3Call call = NewS3Call("CompleteMultipartUpload", "POST", bucket, key);
  call.query = {{"uploadId", upload_id}};
  call.headers.emplace_back("Content-Type", "application/xml");
  auto bytes = std::as_bytes(std::span(body.data(), body.size()));
  call.headers.emplace_back("Content-MD5", ContentMd5(bytes));
  if (if_absent) call.headers.emplace_back("If-None-Match", "*");
  call.body = bytes;
  call.body_may_hold_error = true;
  call.answer_waits_on_server_work = true;
  net::HttpResponse response = Execute(call);
  PutResult result;
  pugi::xml_document doc;
  if (doc.load_buffer(response.body.data(), response.body.size())) {
    const pugi::xml_node answer = doc.child("CompleteMultipartUploadResult");
    result.etag = UnquoteEtag(answer.child_value("ETag"));
    result.checksum_crc32 = answer.child_value("ChecksumCRC32");
  }
  if (result.etag.empty()) result.etag = UnquoteEtag(response.Header("etag"));
  result.version_id = response.Header("x-amz-version-id");
  return result;
}

void S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id) {
  S3Call call = NewS3Call("AbortMultipartUpload", "DELETE", bucket, key);
  call.query = {{"uploadId", upload_id}};
  Execute(call);
}

ListPage S3Client::ListObjectsV2(const std::string& bucket, const std::string& prefix,
                                 const std::string& continuation_token, int max_keys) {
  S3Call call = NewS3Call("ListObjectsV2", "GET", bucket, "");
  call.query = {
      {"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(max_keys)}};
  if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
  if (!continuation_token.empty())
    call.query.emplace_back("continuation-token", continuation_token);
  net::HttpResponse response = Execute(call);
  pugi::xml_document doc = ParseXml(response, call);
  pugi::xml_node result = doc.child("ListBucketResult");
  // Keys come percent-encoded only if the server honoured encoding-type=url and says so.
  const bool encoded = std::string(result.child_value("EncodingType")) == "url";
  ListPage page;
  for (pugi::xml_node contents : result.children("Contents")) {
    ListEntry entry;
    entry.key = contents.child_value("Key");
    if (encoded) entry.key = net::UriDecode(entry.key, /*plus_is_space=*/true);
    entry.size = ParseSize(contents.child_value("Size"));
    entry.etag = UnquoteEtag(contents.child_value("ETag"));
    page.entries.push_back(std::move(entry));
  }
  if (std::string(result.child_value("IsTruncated")) == "true") {
    page.next_continuation_token = result.child_value("NextContinuationToken");
    if (page.next_continuation_token.empty()) {
      throw Error(ErrorKind::kIo, "ListObjectsV2 s3://" + bucket +
                                      ": truncated listing without NextContinuationToken");
    }
  }
  return page;
}

std::vector<MultipartUploadListing> S3Client::ListMultipartUploads(const std::string& bucket,
                                                                   const std::string& prefix) {
  S3Call call = NewS3Call("ListMultipartUploads", "GET", bucket, "");
  call.query = {{"uploads", ""}};
  if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
  net::HttpResponse response = Execute(call);
  pugi::xml_document doc = ParseXml(response, call);
  std::vector<MultipartUploadListing> uploads;
  for (pugi::xml_node upload : doc.child("ListMultipartUploadsResult").children("Upload")) {
    uploads.push_back({upload.child_value("Key"), upload.child_value("UploadId")});
  }
  return uploads;
}

void S3Client::DeleteObject(const std::string& bucket, const std::string& key) {
  S3Call call = NewS3Call("DeleteObject", "DELETE", bucket, key);
  try {
    Execute(call);
  } catch (const Error& e) {
    // Absent objects are not an error (S3 itself answers 204; some servers say 404), but an
    // absent bucket is.
    if (e.kind() != ErrorKind::kNotFound || e.code() == "NoSuchBucket") {
      throw;
    }
  }
}

}  // namespace unpackd::s3
