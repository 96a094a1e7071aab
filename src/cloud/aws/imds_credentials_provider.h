// Credentials of the EC2 instance role, via the instance metadata service version 2 (a session
// token from PUT /latest/api/token, then the role's credentials).
#pragma once

#include <string>

#include "cloud/aws/aws_credentials.h"

namespace unpackd::aws {

class ImdsCredentialsProvider : public CredentialsProvider {
 public:
  // The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254.
  ImdsCredentialsProvider();

  // nullopt when AWS_EC2_METADATA_DISABLED=true, when the service cannot be reached (not on
  // EC2: connecting times out after one second), or when the instance has no role. Throws
  // kAccessDenied when the service answers but the credentials are unusable.
  std::optional<AwsCredentials> Fetch() override;
};

}  // namespace unpackd::aws
