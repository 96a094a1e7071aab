// Credentials of a named profile from ~/.aws/credentials, then ~/.aws/config.
#pragma once

#include <string>

#include "cloud/aws/aws_credentials.h"

namespace unpackd::aws {

class ProfileCredentialsProvider : public CredentialsProvider {
 public:
  // `profile` empty: AWS_PROFILE, else "default". The files are re-read on every Fetch
  // (they may be rotated by other tools).
  explicit ProfileCredentialsProvider(std::string profile = "");

  // nullopt when neither file has the profile and it is "default"; kAccessDenied when a
  // profile named explicitly is missing or has no keys (a typo must not silently fall
  // through to other credentials).
  std::optional<AwsCredentials> Fetch() override;

 private:
  std::string profile_;
  bool explicit_profile_;
};

}  // namespace unpackd::aws
