#include "cloud/aws/environment_credentials_provider.h"

#include <cstdlib>

#include "util/env.h"
#include "util/error.h"

namespace unpackd::aws {
std::optional<AwsCredentials> EnvironmentCredentialsProvider::Fetch() {
  AwsCredentials credentials;
  credentials.access_key_id = GetEnv("AWS_ACCESS_KEY_ID");
  credentials.secret_access_key = GetEnv("AWS_SECRET_ACCESS_KEY");
  credentials.session_token = GetEnv("AWS_SESSION_TOKEN");
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

}  // namespace unpackd::aws
