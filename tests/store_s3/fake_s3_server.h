// FakeS3Server: an in-memory S3 subset on a LoopbackHttpServer, with a hook to inject faults
// (throttling, 5xx, resets, bodies that break off or stall) before a request is served, and
// one to change the answer after it was served (a reply lost after the work was done).
//
// Used only for what a real server cannot be made to do on demand here: misbehave at a chosen
// request, and (unlike s3rver) implement AbortMultipartUpload and ListMultipartUploads. It
// checks Content-MD5, x-amz-checksum-crc32 (composite for multipart uploads created with
// x-amz-checksum-algorithm CRC32) and If-Match like S3 does. Everything else is tested against
// s3rver. Header-only: only the S3 test binary needs it.
#pragma once

#include <zlib.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloud/aws/hashing.h"
#include "net/uri_encoding.h"
#include "support/loopback_http_server.h"

namespace unpackd::testing {

class FakeS3Server {
 public:
  struct Object {
    std::string data;
    std::string etag;
    std::string content_type;
    std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix
  };
  struct Upload {
    std::string key;
    std::map<int, std::string> parts;  // part number -> data
    std::map<std::string, std::string> metadata;
    // Created with x-amz-checksum-algorithm: CRC32: every part must carry its CRC-32, and
    // the Complete request must list each one.
    bool crc32 = false;
  };
  // Called first for every request with its 1-based sequence number; a response returned
  // here is sent instead of the normal one.
  using FaultHook =
      std::function<std::optional<LoopbackResponse>(const LoopbackRequest&, int sequence)>;
  // Called after a request was served (its effect is done) with the answer about to go out.
  using ReplyHook = std::function<void(const LoopbackRequest&, LoopbackResponse&)>;

  FakeS3Server();

  std::string endpoint() const { return server_->url(); }
  void set_fault_hook(FaultHook hook);
  void set_reply_hook(ReplyHook hook);
  void PutObject(const std::string& key, std::string data,
                 std::map<std::string, std::string> metadata = {});

  // Thread-safe snapshots.
  std::optional<Object> GetObject(const std::string& key);
  std::map<std::string, Upload> uploads();
  std::vector<LoopbackRequest> requests();
  int aborted_uploads();

 private:
  LoopbackResponse Handle(const LoopbackRequest& request);
  LoopbackResponse Serve(const LoopbackRequest& request);

  std::mutex mutex_;
  FaultHook hook_;
  ReplyHook reply_hook_;
  std::map<std::string, Object> objects_;
  std::map<std::string, Upload> uploads_;
  std::vector<LoopbackRequest> requests_;
  int next_upload_ = 1;
  int aborted_ = 0;
  std::unique_ptr<LoopbackHttpServer> server_;
};

// ---- implementation ----

inline FakeS3Server::FakeS3Server() {
  server_ = std::make_unique<LoopbackHttpServer>(
      [this](const LoopbackRequest& request) { return Handle(request); });
}

inline void FakeS3Server::set_fault_hook(FaultHook hook) {
  std::lock_guard lock(mutex_);
  hook_ = std::move(hook);
}

inline void FakeS3Server::set_reply_hook(ReplyHook hook) {
  std::lock_guard lock(mutex_);
  reply_hook_ = std::move(hook);
}

inline void FakeS3Server::PutObject(const std::string& key, std::string data,
                                    std::map<std::string, std::string> metadata) {
  std::lock_guard lock(mutex_);
  auto bytes = std::as_bytes(std::span(data.data(), data.size()));
  objects_[key] = Object{data, aws::HexEncode(aws::Md5(bytes)), "application/octet-stream",
                         std::move(metadata)};
}

inline std::optional<FakeS3Server::Object> FakeS3Server::GetObject(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

inline std::map<std::string, FakeS3Server::Upload> FakeS3Server::uploads() {
  std::lock_guard lock(mutex_);
  return uploads_;
}

inline std::vector<LoopbackRequest> FakeS3Server::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

inline int FakeS3Server::aborted_uploads() {
  std::lock_guard lock(mutex_);
  return aborted_;
}

inline LoopbackResponse FakeS3Server::Handle(const LoopbackRequest& request) {
  FaultHook hook;
  ReplyHook reply_hook;
  int sequence;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    sequence = static_cast<int>(requests_.size());
    hook = hook_;
    reply_hook = reply_hook_;
  }
  if (hook) {
    if (auto injected = hook(request, sequence)) return *injected;
  }
  LoopbackResponse response;
  {
    std::lock_guard lock(mutex_);
    response = Serve(request);
  }
  if (reply_hook) reply_hook(request, response);
  return response;
}

inline std::map<std::string, std::string> MetadataOf(const LoopbackRequest& request) {
  std::map<std::string, std::string> metadata;
  for (const auto& [name, value] : request.headers) {
    if (name.rfind("x-amz-meta-", 0) == 0) metadata[name.substr(11)] = value;
  }
  return metadata;
}

inline LoopbackResponse ErrorResponse(int status, const std::string& code,
                                      const std::string& message = {}) {
  LoopbackResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/xml");
  r.headers.emplace_back("x-amz-request-id", "FAKE-REQUEST-ID");
  r.body = "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code><Message>" +
           (message.empty() ? "fake " + code : message) +
           "</Message><RequestId>FAKE-REQUEST-ID</RequestId></Error>";
  return r;
}

// S3's form of a body's CRC-32 (base64 of its 4 big-endian bytes), by zlib: an implementation
// other than the one under test.
inline std::string Crc32Checksum(const std::string& body) {
  const uLong crc = crc32_z(0, reinterpret_cast<const Bytef*>(body.data()), body.size());
  const std::array<unsigned char, 4> bytes = {
      static_cast<unsigned char>(crc >> 24), static_cast<unsigned char>(crc >> 16),
      static_cast<unsigned char>(crc >> 8), static_cast<unsigned char>(crc)};
  return aws::Base64Encode(bytes);
}

inline LoopbackResponse FakeS3Server::Serve(const LoopbackRequest& request) {
  // Target: /bucket[/key][?query]
  std::string path = request.target.substr(0, request.target.find('?'));
  std::string query = request.target.find('?') == std::string::npos
                          ? std::string()
                          : request.target.substr(request.target.find('?') + 1);
  std::map<std::string, std::string> params;
  for (size_t pos = 0; pos < query.size();) {
    size_t amp = query.find('&', pos);
    std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    size_t eq = pair.find('=');
    params[net::UriDecode(pair.substr(0, eq))] =
        eq == std::string::npos ? "" : net::UriDecode(pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  size_t slash = path.find('/', 1);
  std::string key = slash == std::string::npos ? "" : net::UriDecode(path.substr(slash + 1));

  if (!request.Header("content-md5").empty()) {
    auto body = std::as_bytes(std::span(request.body.data(), request.body.size()));
    if (request.Header("content-md5") != aws::Base64Encode(aws::Md5(body))) {
      return ErrorResponse(400, "BadDigest");
    }
  }
  const std::string crc32 = request.Header("x-amz-checksum-crc32");
  if (!crc32.empty() && crc32 != Crc32Checksum(request.body)) {
    return ErrorResponse(400, "BadDigest",
                         "The CRC32 you specified did not match the calculated "
                         "checksum.");
  }
  LoopbackResponse r;
  if (key.empty() && request.method == "GET" && params.count("uploads")) {
    r.body = "<?xml version=\"1.0\"?><ListMultipartUploadsResult>";
    for (const auto& [id, upload] : uploads_) {
      r.body += "<Upload><Key>" + upload.key + "</Key><UploadId>" + id + "</UploadId></Upload>";
    }
    r.body += "</ListMultipartUploadsResult>";
    return r;
  }
  if (key.empty() && request.method == "GET" && params["list-type"] == "2") {
    // Like S3 with encoding-type=url: keys form-encoded (space as '+', '+' as %2B).
    const bool encode = params["encoding-type"] == "url";
    r.body = "<?xml version=\"1.0\"?><ListBucketResult>";
    if (encode) r.body += "<EncodingType>url</EncodingType>";
    r.body += "<IsTruncated>false</IsTruncated>";
    for (const auto& [name, object] : objects_) {
      if (name.rfind(params["prefix"], 0) != 0) continue;
      std::string listed = name;
      if (encode) {
        listed = net::UriEncodeComponent(name);
        for (size_t at; (at = listed.find("%20")) != std::string::npos;) listed.replace(at, 3, "+");
      }
      r.body += "<Contents><Key>" + listed + "</Key><Size>" + std::to_string(object.data.size()) +
                "</Size><ETag>&quot;" + object.etag + "&quot;</ETag></Contents>";
    }
    r.body += "</ListBucketResult>";
    return r;
  }
  if (request.method == "POST" && params.count("uploads")) {
    std::string id = "upload-" + std::to_string(next_upload_++);
    uploads_[id] =
        Upload{key, {}, MetadataOf(request), request.Header("x-amz-checksum-algorithm") == "CRC32"};
    r.body = "<?xml version=\"1.0\"?><InitiateMultipartUploadResult><UploadId>" + id +
             "</UploadId></InitiateMultipartUploadResult>";
    return r;
  }
  if (params.count("uploadId")) {
    auto it = uploads_.find(params["uploadId"]);
    if (it == uploads_.end()) return ErrorResponse(404, "NoSuchUpload");
    if (request.method == "PUT") {
      int number = std::stoi(params["partNumber"]);
      if (it->second.crc32 && crc32.empty()) {
        return ErrorResponse(400, "InvalidRequest",
                             "The upload was created using a crc32 "
                             "checksum; this part has none.");
      }
      it->second.parts[number] = request.body;
      auto body = std::as_bytes(std::span(request.body.data(), request.body.size()));
      r.headers.emplace_back("ETag", "\"" + aws::HexEncode(aws::Md5(body)) + "\"");
      if (!crc32.empty()) r.headers.emplace_back("x-amz-checksum-crc32", crc32);  // checked
      return r;
    }
    if (request.method == "DELETE") {
      uploads_.erase(it);
      ++aborted_;
      r.status = 204;
      return r;
    }
    if (request.method == "POST") {
      // Assemble in the order the request lists the parts, which must be ascending.
      std::string data;
      int last = 0;
      for (size_t pos = 0; (pos = request.body.find("<PartNumber>", pos)) != std::string::npos;) {
        pos += 12;
        int number = std::stoi(request.body.substr(pos));
        if (number <= last || !it->second.parts.count(number)) {
          return ErrorResponse(400, "InvalidPartOrder");
        }
        if (it->second.crc32) {
          const std::string listed =
              "<ChecksumCRC32>" + Crc32Checksum(it->second.parts[number]) + "</ChecksumCRC32>";
          const size_t next = request.body.find("<PartNumber>", pos);
          const size_t found = request.body.find(listed, pos);
          if (found == std::string::npos || found > next) return ErrorResponse(400, "InvalidPart");
        }
        last = number;
        data += it->second.parts[number];
      }
      auto bytes = std::as_bytes(std::span(data.data(), data.size()));
      std::string etag = aws::HexEncode(aws::Md5(bytes)) + "-" + std::to_string(last);
      objects_[key] = Object{data, etag, "application/octet-stream", it->second.metadata};
      uploads_.erase(it);
      r.body = "<?xml version=\"1.0\"?><CompleteMultipartUploadResult><ETag>&quot;" + etag +
               "&quot;</ETag></CompleteMultipartUploadResult>";
      return r;
    }
  }
  if (request.method == "PUT") {
    auto body = std::as_bytes(std::span(request.body.data(), request.body.size()));
    std::string etag = aws::HexEncode(aws::Md5(body));
    objects_[key] = Object{request.body, etag, request.Header("content-type"), MetadataOf(request)};
    r.headers.emplace_back("ETag", "\"" + etag + "\"");
    if (!crc32.empty()) r.headers.emplace_back("x-amz-checksum-crc32", crc32);  // checked
    return r;
  }
  auto it = objects_.find(key);
  if (request.method == "DELETE") {
    if (it != objects_.end()) objects_.erase(it);
    r.status = 204;
    return r;
  }
  if (it == objects_.end()) return ErrorResponse(404, "NoSuchKey");
  const Object& object = it->second;
  r.headers.emplace_back("ETag", "\"" + object.etag + "\"");
  r.headers.emplace_back("Content-Type", object.content_type);
  for (const auto& [name, value] : object.metadata)
    r.headers.emplace_back("x-amz-meta-" + name, value);
  std::string if_match = request.Header("if-match");
  if (!if_match.empty() && if_match != "\"" + object.etag + "\"") {
    return ErrorResponse(412, "PreconditionFailed");
  }
  if (request.method == "HEAD") {
    r.headers.emplace_back("Content-Length", std::to_string(object.data.size()));
    return r;
  }
  std::string range = request.Header("range");
  if (range.rfind("bytes=", 0) == 0) {
    size_t dash = range.find('-');
    uint64_t first = std::stoull(range.substr(6, dash - 6));
    uint64_t last = std::min<uint64_t>(std::stoull(range.substr(dash + 1)), object.data.size() - 1);
    r.status = 206;
    r.headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" +
                                                std::to_string(last) + "/" +
                                                std::to_string(object.data.size()));
    r.body = object.data.substr(first, last - first + 1);
    return r;
  }
  r.body = object.data;
  return r;
}

}  // namespace unpackd::testing
