// AwsCredentials and the CredentialsProvider interface every credential source implements.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace unpackd::aws {

struct AwsCredentials {
  std::string access_key_id;
  // Never logged, never put into an error message.
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  // When temporary credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  // Where they came from ("environment", "profile default", ...), for messages.
  std::string source;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;

  // Returns usable credentials, or nullopt if this source is not configured (so a chain
  // moves on). Throws unpackd::Error (kAccessDenied) if the source is configured but broken:
  // an explicit profile without keys, a credentials endpoint answering garbage. Thread-safe.
  virtual std::optional<AwsCredentials> Fetch() = 0;
};

}  // namespace unpackd::aws
