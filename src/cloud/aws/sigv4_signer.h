// AWS Signature Version 4, header form.
//
// Hand-written rather than libcurl's CURLOPT_AWS_SIGV4 because (a) libcurl 7.88 cannot sign a
// streamed upload body (it only hashes CURLOPT_POSTFIELDS) nor put x-amz-content-sha256 /
// x-amz-security-token under the signature on its own, and (b) a pure function from request
// to Authorization header can be checked byte for byte against AWS's published test vectors,
// which libcurl's internal signing cannot.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloud/aws/aws_credentials.h"
#include "net/header_list.h"
#include "net/uri_encoding.h"

namespace unpackd::aws {

using net::HeaderList;
using net::QueryParams;

struct SigningRequest {
  std::string method;         // "GET", "PUT", ...
  std::string canonical_uri;  // the request path, already percent-encoded ("/bucket/a%20b")
  net::QueryParams query;     // raw (not yet encoded) names and values
  // Every header to sign; must include "host". Names in any case; values are trimmed and
  // inner runs of spaces collapsed, as SigV4 requires.
  net::HeaderList headers;
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigningResult {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the full Authorization header value
};

// Formats a time as SigV4's "YYYYMMDDTHHMMSSZ".
std::string AmzDate(std::chrono::system_clock::time_point when);

class SigV4Signer {
 public:
  SigV4Signer(std::string region, std::string service)
      : region_(std::move(region)), service_(std::move(service)) {}

  // Computes the signature of `request` at `when`. The caller must already have put the
  // x-amz-date header (= AmzDate(when)) and, for temporary credentials, x-amz-security-token
  // into request.headers (AddAuthHeaders does both). Pure; thread-safe.
  SigningResult Sign(const SigningRequest& request, const AwsCredentials& credentials,
                     std::chrono::system_clock::time_point when) const;

  // Adds x-amz-date, x-amz-security-token (if any) and x-amz-content-sha256 (S3 requires it on
  // every request) to request.headers, signs, and returns the Authorization header value.
  std::string AddAuthHeaders(SigningRequest& request, const AwsCredentials& credentials,
                             std::chrono::system_clock::time_point when) const;

  const std::string& region() const { return region_; }

 private:
  std::string region_;
  std::string service_;
};

}  // namespace unpackd::aws
