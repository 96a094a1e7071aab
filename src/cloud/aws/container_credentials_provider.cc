#include "cloud/aws/container_credentials_provider.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cloud/aws/credentials_json.h"
#include "net/http_client.h"
#include "util/env.h"
#include "util/error.h"

namespace unpackd::aws {
namespace {

// The host part of "scheme://host[:port]/...", brackets kept for IPv6.
std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) return {};
  start += 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority[0] == '[')
    return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

bool IsAllowedPlainHttpHost(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

}  // namespace

ContainerCredentialsProvider::ContainerCredentialsProvider(std::string relative_uri_host)
    : relative_uri_host_(std::move(relative_uri_host)) {}

std::optional<AwsCredentials> ContainerCredentialsProvider::Fetch() {
  std::string url;
  const std::string relative = GetEnv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const std::string full = GetEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (!relative.empty()) {
    url = relative_uri_host_ + (relative.front() == '/' ? "" : "/") + relative;
  } else if (!full.empty()) {
    url = full;
    const bool https = url.rfind("https://", 0) == 0;
    if (!https && !(url.rfind("http://", 0) == 0 && IsAllowedPlainHttpHost(HostOf(url)))) {
      throw Error(ErrorKind::kAccessDenied,
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or http to a loopback or "
                  "ECS/EKS container address, not '" +
                      url + "'");
    }
  } else {
    return std::nullopt;
  }

  std::string token;
  const std::string token_file = GetEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) {
      throw Error(ErrorKind::kAccessDenied,
                  "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + token_file);
    }
    std::stringstream contents;
    contents << in.rdbuf();
    token = contents.str();
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  } else {
    token = GetEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }

  net::HttpClientOptions options;
  options.max_connections = 1;
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.request_timeout = std::chrono::milliseconds(5000);
  net::HttpClient http(options);
  net::HttpRequest request;
  request.url = url;
  if (!token.empty()) request.headers.emplace_back("Authorization", token);
  request.headers.emplace_back("Accept", "application/json");

  const std::string source = "container credentials endpoint " + url;
  net::HttpResponse response;
  try {
    response = http.Perform(request);
  } catch (const Error& e) {
    throw Error(ErrorKind::kAccessDenied, "cannot get credentials: " + std::string(e.what()));
  }
  if (response.status != 200) {
    throw Error(ErrorKind::kAccessDenied,
                source + " answered HTTP " + std::to_string(response.status));
  }
  return ParseCredentialsJson(response.body, source);
}

}  // namespace unpackd::aws
