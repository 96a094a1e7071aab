#include "cloud/aws/aws_url.h"

#include <optional>

#include "net/endpoint_url.h"
#include "util/error.h"

namespace unpackd::aws {

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return parts;
  parts.scheme = std::string(url.substr(0, scheme_end));
  const std::string_view rest = url.substr(scheme_end + 3);
  const size_t slash = rest.find('/');
  parts.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) parts.path = std::string(rest.substr(slash));
  return parts;
}

void CheckServiceUrl(const std::string& url, std::string_view what) {
  std::optional<std::string> problem = net::EndpointUrlProblem(url);
  if (!problem && SplitUrl(url).authority.find('@') != std::string::npos) {
    problem = std::string(what) + " must not hold a user name or password";
  }
  if (problem) throw Error(ErrorKind::kUsage, std::string(what) + ": " + *problem, "bad-config");
}

std::string RegionFromArn(std::string_view text) {
  // arn:partition:service:region:account:resource
  if (!text.starts_with("arn:")) return {};
  size_t start = 0;
  for (int field = 0; field < 3; ++field) {
    start = text.find(':', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  const size_t end = text.find(':', start);
  if (end == std::string_view::npos) return {};
  return std::string(text.substr(start, end - start));
}

}  // namespace unpackd::aws
