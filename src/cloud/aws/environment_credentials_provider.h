// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
#pragma once

#include "cloud/aws/aws_credentials.h"

namespace unpackd::aws {

class EnvironmentCredentialsProvider : public CredentialsProvider {
 public:
  // nullopt when AWS_ACCESS_KEY_ID is unset; kAccessDenied when only half a key pair is set.
  std::optional<AwsCredentials> Fetch() override;
};

}  // namespace unpackd::aws
