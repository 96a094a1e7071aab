#include "cloud/aws/profile_credentials_provider.h"

#include "cloud/aws/aws_config_file.h"
#include "util/error.h"

namespace unpackd::aws {
namespace {

std::optional<AwsCredentials> FromSection(const std::map<std::string, std::string>& section,
                                          const std::string& source) {
  auto get = [&](const char* key) {
    auto it = section.find(key);
    return it == section.end() ? std::string() : it->second;
  };
  AwsCredentials credentials;
  credentials.access_key_id = get("aws_access_key_id");
  credentials.secret_access_key = get("aws_secret_access_key");
  credentials.session_token = get("aws_session_token");
  credentials.source = source;
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return std::nullopt;
  }
  return credentials;
}

}  // namespace

ProfileCredentialsProvider::ProfileCredentialsProvider(std::string profile)
    : profile_(profile.empty() ? DefaultAwsProfileName() : std::move(profile)),
      explicit_profile_(profile_ != "default") {}

std::optional<AwsCredentials> ProfileCredentialsProvider::Fetch() {
  bool profile_seen = false;
  const std::string credentials_path = AwsSharedCredentialsFilePath();
  if (auto file = ReadAwsConfigFile(credentials_path)) {
    auto it = file->find(profile_);
    if (it != file->end()) {
      profile_seen = true;
      if (auto c = FromSection(it->second, "profile '" + profile_ + "' in " + credentials_path)) {
        return c;
      }
    }
  }
  const std::string config_path = AwsConfigFilePath();
  if (auto file = ReadAwsConfigFile(config_path)) {
    auto it = file->find(profile_ == "default" ? profile_ : "profile " + profile_);
    if (it != file->end()) {
      profile_seen = true;
      if (auto c = FromSection(it->second, "profile '" + profile_ + "' in " + config_path)) {
        return c;
      }
    }
  }
  if (!explicit_profile_) return std::nullopt;
  if (!profile_seen) {
    throw Error(ErrorKind::kAccessDenied, "AWS profile '" + profile_ + "' not found in " +
                                              credentials_path + " or " + config_path);
  }
  // The profile exists but uses a mechanism this build does not implement (SSO, role
  // assumption, credential_process): say so rather than falling through to other sources.
  throw Error(ErrorKind::kAccessDenied,
              "AWS profile '" + profile_ +
                  "' has no aws_access_key_id/aws_secret_access_key (SSO, role_arn and "
                  "credential_process profiles are not supported)");
}

}  // namespace unpackd::aws
