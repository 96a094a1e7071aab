// S3Addressing: where a bucket/key request goes (URL, Host header, canonical URI), in path
// style or virtual-hosted style.
#pragma once

#include <optional>
#include <string>

#include "net/uri_encoding.h"

namespace unpackd::s3 {

struct S3Target {
  std::string url;            // full URL including the encoded query string
  std::string host;           // Host header value ("host" or "host:port")
  std::string canonical_uri;  // encoded path, as signed
};

class S3Addressing {
 public:
  // `endpoint`: "scheme://host[:port][/base]"; empty means AWS for `region`.
  // `path_style`: nullopt for automatic choice (see S3Config::path_style).
  // Throws kUsage for a malformed endpoint.
  S3Addressing(const std::string& endpoint, const std::string& region,
               std::optional<bool> path_style);

  // The target for `bucket` (and `key`, which may be empty for bucket-level calls).
  S3Target For(const std::string& bucket, const std::string& key,
               const net::QueryParams& query) const;

  bool UsesPathStyle(const std::string& bucket) const;
  bool is_https() const { return scheme_ == "https"; }
  const std::string& endpoint_host() const { return authority_; }

 private:
  std::string scheme_;
  std::string authority_;  // host[:port]
  std::string base_path_;  // "" or "/base" without trailing slash
  bool custom_endpoint_ = false;
  std::optional<bool> path_style_;
};

// True if `bucket` can be a DNS label under the endpoint host: lower-case letters, digits
// and '-', 3..63 characters, no dots (dots break TLS wildcard certificates).
bool IsVirtualHostableBucket(const std::string& bucket);

}  // namespace unpackd::s3
