#include "cloud/aws/credentials_json.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace unpackd::aws {

std::optional<std::chrono::system_clock::time_point> ParseIso8601(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(t);
}

AwsCredentials ParseCredentialsJson(const std::string& body, const std::string& source) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    throw Error(ErrorKind::kAccessDenied, "credentials from " + source + " are not JSON");
  }
  auto text = [&](const char* name) {
    auto it = doc.find(name);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string code = text("Code");
  if (!code.empty() && code != "Success") {
    throw Error(ErrorKind::kAccessDenied,
                "credentials from " + source + " report Code '" + code + "': " + text("Message"));
  }
  AwsCredentials credentials;
  credentials.access_key_id = text("AccessKeyId");
  credentials.secret_access_key = text("SecretAccessKey");
  credentials.session_token = text("Token");
  credentials.source = source;
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    throw Error(ErrorKind::kAccessDenied,
                "credentials from " + source + " lack AccessKeyId or SecretAccessKey");
  }
  std::string expiration = text("Expiration");
  if (!expiration.empty()) {
    credentials.expiration = ParseIso8601(expiration);
    if (!credentials.expiration) {
      throw Error(
          ErrorKind::kAccessDenied,
          "credentials from " + source + " have an unreadable Expiration '" + expiration + "'");
    }
  }
  return credentials;
}

}  // namespace unpackd::aws
