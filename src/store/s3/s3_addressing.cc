#include "store/s3/s3_addressing.h"

#include "net/endpoint_url.h"
#include "util/ascii.h"
#include "util/error.h"

namespace unpackd::s3 {

bool IsVirtualHostableBucket(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  if (bucket.front() == '-' || bucket.back() == '-') return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

S3Addressing::S3Addressing(const std::string& endpoint, const std::string& region,
                           std::optional<bool> path_style)
    : path_style_(path_style) {
  std::string url = endpoint;
  if (url.empty()) {
    url = "https://s3." + (region.empty() ? std::string("us-east-1") : region) + ".amazonaws.com";
  } else {
    custom_endpoint_ = true;
  }
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    throw Error(ErrorKind::kUsage, "S3 endpoint '" + net::RedactUrl(endpoint) +
                                       "' must start with http:// or https://");
  }
  scheme_ = AsciiLower(url.substr(0, scheme_end));
  if (scheme_ != "http" && scheme_ != "https") {
    throw Error(ErrorKind::kUsage, "S3 endpoint '" + net::RedactUrl(endpoint) +
                                       "' must start with http:// or https://");
  }
  std::string rest = url.substr(scheme_end + 3);
  size_t slash = rest.find('/');
  authority_ = rest.substr(0, slash);
  if (slash != std::string::npos) base_path_ = rest.substr(slash);
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  if (authority_.empty() || rest.find_first_of("?#") != std::string::npos) {
    throw Error(ErrorKind::kUsage,
                "S3 endpoint '" + net::RedactUrl(endpoint) + "' is not scheme://host[:port]");
  }
}

bool S3Addressing::UsesPathStyle(const std::string& bucket) const {
  // Capitals or underscores can never be part of a host name, whatever the user asked for.
  bool dns_compatible = true;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      dns_compatible = false;
    }
  }
  if (!dns_compatible) return true;
  if (path_style_.has_value()) return *path_style_;
  // Custom servers rarely have wildcard DNS; dotted names break TLS wildcard certificates.
  return custom_endpoint_ || !IsVirtualHostableBucket(bucket);
}

S3Target S3Addressing::For(const std::string& bucket, const std::string& key,
                           const net::QueryParams& query) const {
  S3Target target;
  std::string path = base_path_;
  if (UsesPathStyle(bucket)) {
    target.host = authority_;
    path += "/" + net::UriEncodeComponent(bucket);
    if (!key.empty()) path += "/" + net::UriEncodePath(key);
  } else {
    target.host = bucket + "." + authority_;
    path += "/" + net::UriEncodePath(key);
  }
  target.canonical_uri = path;
  target.url = scheme_ + "://" + target.host + path;
  std::string q = net::CanonicalQueryString(query);
  if (!q.empty()) target.url += "?" + q;
  return target;
}

}  // namespace unpackd::s3
