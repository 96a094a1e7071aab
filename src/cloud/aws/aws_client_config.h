// AwsClientConfig: how a client of one regional AWS service (SNS, EventBridge) is set up: where
// it sends, how it signs, how patient it is.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cloud/aws/aws_credentials.h"
#include "net/retry_policy.h"
#include "util/cancellation.h"

namespace unpackd::aws {

struct AwsClientConfig {
  // Where requests go ("https://host[:port][/path]": LocalStack, a VPC endpoint, a test double).
  // Empty: the service's regional endpoint https://<service>.<region>.amazonaws.com.
  std::string endpoint;
  // Signing region. Empty: fallback_region, else "us-east-1". A resource lives in one region:
  // callers that know only its ARN pass RegionFromArn(arn) (aws_url.h).
  std::string region;
  std::string fallback_region;                       // AWS_REGION, say
  std::shared_ptr<CredentialsProvider> credentials;  // nullptr: default chain for `profile`
  std::string profile;
  std::string ca_bundle;  // PEM CAs to trust for https; empty: the system store
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};  // per attempt
  // How long a call rides out outages and throttling; time_budget 0 and max_attempts 1 make
  // one attempt (the notification targets: their outbox retries).
  net::RetryPolicy retry;
  // Optional; must outlive the client. Once cancelled, calls stop retrying.
  const CancellationToken* cancel = nullptr;
};

}  // namespace unpackd::aws
