#include "store/s3/s3_config.h"

#include "util/env.h"

namespace unpackd::s3 {

S3Config S3ConfigFromEnvironment() {
  S3Config config;
  config.endpoint = FirstSetEnv({"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  config.region = FirstSetEnv({"AWS_REGION", "AWS_DEFAULT_REGION"});
  config.profile = FirstSetEnv({"AWS_PROFILE"});
  config.ca_bundle = FirstSetEnv({"AWS_CA_BUNDLE"});
  return config;
}

}  // namespace unpackd::s3
