#include "cloud/aws/imds_credentials_provider.h"

#include <strings.h>

#include <cstdlib>

#include "cloud/aws/credentials_json.h"
#include "net/http_client.h"
#include "util/env.h"
#include "util/error.h"

namespace unpackd::aws {
ImdsCredentialsProvider::ImdsCredentialsProvider() = default;

std::optional<AwsCredentials> ImdsCredentialsProvider::Fetch() {
  if (strcasecmp(GetEnv("AWS_EC2_METADATA_DISABLED").c_str(), "true") == 0) return std::nullopt;
  std::string endpoint = GetEnv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) endpoint = "http://169.254.169.254";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  net::HttpClientOptions options;
  options.max_connections = 1;
  options.connect_timeout = std::chrono::milliseconds(1000);
  options.request_timeout = std::chrono::milliseconds(3000);
  net::HttpClient http(options);

  net::HttpRequest token_request;
  token_request.method = "PUT";
  token_request.url = endpoint + "/latest/api/token";
  token_request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  net::HttpResponse token_response;
  try {
    token_response = http.Perform(token_request);
  } catch (const Error&) {
    return std::nullopt;  // no metadata service: not on EC2
  }
  if (token_response.status != 200 || token_response.body.empty()) return std::nullopt;
  const std::string token = token_response.body;

  auto get = [&](const std::string& path) {
    net::HttpRequest request;
    request.url = endpoint + path;
    request.headers.emplace_back("X-aws-ec2-metadata-token", token);
    try {
      return http.Perform(request);
    } catch (const Error& e) {
      throw Error(ErrorKind::kAccessDenied,
                  "EC2 instance metadata service failed: " + std::string(e.what()));
    }
  };
  const std::string base = "/latest/meta-data/iam/security-credentials/";
  net::HttpResponse roles = get(base);
  if (roles.status == 404) return std::nullopt;  // the instance has no role
  if (roles.status != 200) {
    throw Error(ErrorKind::kAccessDenied, "EC2 instance metadata service answered HTTP " +
                                              std::to_string(roles.status) + " for the role");
  }
  std::string role = roles.body.substr(0, roles.body.find_first_of("\r\n"));
  if (role.empty()) return std::nullopt;
  net::HttpResponse credentials = get(base + role);
  const std::string source = "EC2 instance role '" + role + "'";
  if (credentials.status != 200) {
    throw Error(ErrorKind::kAccessDenied, source + ": instance metadata service answered HTTP " +
                                              std::to_string(credentials.status));
  }
  return ParseCredentialsJson(credentials.body, source);
}

}  // namespace unpackd::aws
