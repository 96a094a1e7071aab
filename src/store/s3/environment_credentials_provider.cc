#include "store/s3/environment_credentials_provider.h"

#include <cstdlib>

#include "util/error.h"

namespace unpackd::s3 {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::optional<AwsCredentials> EnvironmentCredentialsProvider::Fetch() {
  AwsCredentials credentials;
  credentials.access_key_id = Env("AWS_ACCESS_KEY_ID");
  credentials.secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
  credentials.session_token = Env("AWS_SESSION_TOKEN");
  credentials.source = "environment";
  if (credentials.access_key_id.empty() && credentials.secret_access_key.empty()) {
    return std::nullopt;
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw Error(ErrorKind::kAccessDenied,
                "incomplete AWS credentials in the environment: AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY must both be set");
  }
  return credentials;
}

}  // namespace unpackd::s3
