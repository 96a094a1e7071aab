// AWS endpoint and resource URLs as configured ("https://sqs.eu-west-1.amazonaws.com/1/q",
// "http://127.0.0.1:4566"): split into what a request needs, and checked before any request.
#pragma once

#include <string>
#include <string_view>

namespace unpackd::aws {

struct UrlParts {
  std::string scheme;     // "http" or "https"; empty when the text has no "://"
  std::string authority;  // host[:port]
  std::string path;       // "" or "/..."
};

// Splits at "://" and the first '/' after it; no validation (CheckServiceUrl does that). Pure.
UrlParts SplitUrl(std::string_view url);

// Throws Error(kUsage, "bad-config") when `url` is not an http(s) endpoint URL
// (net::EndpointUrlProblem) or holds a user name or password (AWS signs requests; a URL's
// password would only leak). `what` names the setting ("the SQS queue URL").
void CheckServiceUrl(const std::string& url, std::string_view what);

// The region in an ARN ("arn:aws:sns:eu-west-1:123456789012:topic" -> "eu-west-1"), or "" when
// `text` is not an ARN or names no region (a plain name). Pure.
std::string RegionFromArn(std::string_view text);

}  // namespace unpackd::aws
