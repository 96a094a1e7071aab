#include "store/s3/s3_config.h"

#include <cmath>
#include <cstdlib>

#include "util/env.h"
#include "util/error.h"

namespace unpackd::s3 {

S3Config S3ConfigFromEnvironment() {
  S3Config config;
  config.endpoint = FirstSetEnv({"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  config.region = FirstSetEnv({"AWS_REGION", "AWS_DEFAULT_REGION"});
  config.profile = FirstSetEnv({"AWS_PROFILE"});
  config.ca_bundle = FirstSetEnv({"AWS_CA_BUNDLE"});
  if (std::string retry_time = GetEnv("UNPACKD_RETRY_TIME"); !retry_time.empty()) {
    config.retry.time_budget = ParseRetryTime(retry_time, "UNPACKD_RETRY_TIME");
  }
  if (std::string checksum = GetEnv("UNPACKD_S3_CHECKSUM"); !checksum.empty()) {
    if (checksum == "auto") {
      config.body_checksum = BodyChecksum::kAuto;
    } else if (checksum == "crc32") {
      config.body_checksum = BodyChecksum::kCrc32;
    } else if (checksum == "md5") {
      config.body_checksum = BodyChecksum::kContentMd5;
    } else {
      throw Error(ErrorKind::kUsage, "UNPACKD_S3_CHECKSUM='" + checksum +
                                         "' is not a body checksum: auto, crc32 or md5");
    }
  }
  if (std::string sign = GetEnv("UNPACKD_S3_SIGN_PAYLOAD"); !sign.empty()) {
    if (sign == "on") {
      config.sign_payload = true;
    } else if (sign == "off") {
      config.sign_payload = false;
    } else if (sign != "auto") {
      throw Error(ErrorKind::kUsage, "UNPACKD_S3_SIGN_PAYLOAD='" + sign +
                                         "' is not on, off or auto (sign over http only)");
    }
  }
  return config;
}

std::chrono::milliseconds ParseRetryTime(const std::string& seconds, const std::string& source) {
  char* end = nullptr;
  const double value = std::strtod(seconds.c_str(), &end);
  if (seconds.empty() || end != seconds.c_str() + seconds.size() || !std::isfinite(value) ||
      value < 0 || value > 86400) {
    throw Error(ErrorKind::kUsage,
                source + "='" + seconds + "' is not a retry time: give seconds from 0 to 86400");
  }
  return std::chrono::milliseconds(std::llround(value * 1000));
}

}  // namespace unpackd::s3
