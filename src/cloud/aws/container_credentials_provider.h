// Credentials from the ECS/EKS container credentials endpoint:
// AWS_CONTAINER_CREDENTIALS_FULL_URI, or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI appended to
// http://169.254.170.2; with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) as Authorization header.
#pragma once

#include <string>

#include "cloud/aws/aws_credentials.h"

namespace unpackd::aws {

class ContainerCredentialsProvider : public CredentialsProvider {
 public:
  // `relative_uri_host`: where RELATIVE_URI is resolved; tests point it at a loopback server.
  explicit ContainerCredentialsProvider(std::string relative_uri_host = "http://169.254.170.2");

  // nullopt when neither variable is set. Throws kAccessDenied when the FULL_URI host is not
  // allowed (only https, or plain http to loopback / the ECS and EKS link-local addresses, as
  // the AWS SDKs require) or the endpoint fails or answers garbage.
  std::optional<AwsCredentials> Fetch() override;

 private:
  std::string relative_uri_host_;
};

}  // namespace unpackd::aws
