// The JSON document container and EC2 credential endpoints answer with:
// {"AccessKeyId": ..., "SecretAccessKey": ..., "Token": ..., "Expiration": "2026-...Z"}.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "cloud/aws/aws_credentials.h"

namespace unpackd::aws {

// Parses the document; throws kAccessDenied naming `source` (never the secret) when it is not
// JSON, lacks AccessKeyId/SecretAccessKey, or reports a non-"Success" Code.
AwsCredentials ParseCredentialsJson(const std::string& body, const std::string& source);

// Parses an ISO 8601 UTC timestamp ("2026-11-25T16:00:00Z", fractional seconds allowed).
std::optional<std::chrono::system_clock::time_point> ParseIso8601(const std::string& text);

}  // namespace unpackd::aws
