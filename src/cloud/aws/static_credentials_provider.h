// Fixed credentials given by the caller (tests, or keys passed in explicitly).
#pragma once

#include "cloud/aws/aws_credentials.h"

namespace unpackd::aws {

class StaticCredentialsProvider : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(AwsCredentials credentials)
      : credentials_(std::move(credentials)) {}

  std::optional<AwsCredentials> Fetch() override { return credentials_; }

 private:
  const AwsCredentials credentials_;
};

}  // namespace unpackd::aws
