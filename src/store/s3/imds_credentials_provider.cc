#include "store/s3/imds_credentials_provider.h"

#include <strings.h>

#include <cstdlib>

#include "store/s3/credentials_json.h"
#include "store/s3/http_client.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

ImdsCredentialsProvider::ImdsCredentialsProvider() = default;

std::optional<AwsCredentials> ImdsCredentialsProvider::Fetch() {
  if (strcasecmp(Env("AWS_EC2_METADATA_DISABLED").c_str(), "true") == 0) return std::nullopt;
  std::string endpoint = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (endpoint.empty()) endpoint = "http://169.254.169.254";
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  HttpClientOptions options;
  options.max_connections = 1;
  options.connect_timeout = std::chrono::milliseconds(1000);
  options.request_timeout = std::chrono::milliseconds(3000);
  HttpClient http(options);

  HttpRequest token_request;
  token_request.method = "PUT";
  token_request.url = endpoint + "/latest/api/token";
  token_request.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  HttpResponse token_response;
  try {
    token_response = http.Perform(token_request);
  } catch (const Error&) {
    return std::nullopt;  // no metadata service: not on EC2
  }
  if (token_response.status != 200 || token_response.body.empty()) return std::nullopt;
  const std::string token = token_response.body;

  auto get = [&](const std::string& path) {
    HttpRequest request;
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
  HttpResponse roles = get(base);
  if (roles.status == 404) return std::nullopt;  // the instance has no role
  if (roles.status != 200) {
    throw Error(ErrorKind::kAccessDenied, "EC2 instance metadata service answered HTTP " +
                                              std::to_string(roles.status) + " for the role");
  }
  std::string role = roles.body.substr(0, roles.body.find_first_of("\r\n"));
  if (role.empty()) return std::nullopt;
  HttpResponse credentials = get(base + role);
  const std::string source = "EC2 instance role '" + role + "'";
  if (credentials.status != 200) {
    throw Error(ErrorKind::kAccessDenied, source + ": instance metadata service answered HTTP " +
                                              std::to_string(credentials.status));
  }
  return ParseCredentialsJson(credentials.body, source);
}

}  // namespace unpackd::s3
