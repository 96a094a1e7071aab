// What the AWS targets (Lambda, SNS, EventBridge) share: the client settings a target's
// configuration and the process's AWS environment make, and how an AWS client's Error becomes a
// DeliveryResult.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "cloud/aws/aws_credentials.h"
#include "cloud/aws/aws_url.h"
#include "net/retry_policy.h"
#include "notify/notification_target.h"
#include "util/error.h"

namespace unpackd::notify {

// The process's AWS setup, shared by every AWS target (serve passes its S3 store's).
struct AwsTargetEnvironment {
  // nullptr: each target's client makes the AWS SDKs' default chain for `profile`.
  std::shared_ptr<aws::CredentialsProvider> credentials;
  std::string profile;
  std::string
      fallback_region;    // AWS_REGION, say: used when neither the target nor an ARN names one
  std::string ca_bundle;  // PEM CAs to trust for https; empty: the system store
};

// One attempt, no retries: the caller (the outbox, DeliverWithRetries) decides when to try again.
net::RetryPolicy SingleAttempt();

// Fills a client config (aws::LambdaClientConfig, aws::AwsClientConfig: the same field names)
// for one target: its endpoint, its region (the configured one, else the region in
// `resource_arn` when it is an ARN, else the environment's), credentials, the CA bundle, one
// attempt bounded by `timeout`.
template <typename ClientConfig>
ClientConfig AwsClientConfigFor(const std::string& endpoint, const std::string& region,
                                const std::string& resource_arn, std::chrono::milliseconds timeout,
                                const AwsTargetEnvironment& environment) {
  ClientConfig config;
  config.endpoint = endpoint;
  config.region = !region.empty() ? region : aws::RegionFromArn(resource_arn);
  config.fallback_region = environment.fallback_region;
  config.credentials = environment.credentials;
  config.profile = environment.profile;
  config.ca_bundle = environment.ca_bundle;
  config.connect_timeout = std::min<std::chrono::milliseconds>(timeout, std::chrono::seconds(5));
  config.request_timeout = timeout;
  config.retry = SingleAttempt();
  return config;
}

// The DeliveryResult for an Error an AWS client threw while delivering to `resource` ("Lambda
// function 'alert-api'"): kNotFound -> kGone (the resource was deleted or never existed: only a
// new configuration helps); kAccessDenied -> kRetry naming `permission` ("lambda:InvokeFunction"),
// as fixing IAM lets deliveries resume; anything else (throttling, 5xx, network, credentials
// not available yet) -> kRetry. The detail keeps the client's message (the resource, AWS's code
// and words, the request id; never a secret).
DeliveryResult AwsDeliveryFailure(const Error& error, std::string_view resource,
                                  std::string_view permission);

}  // namespace unpackd::notify
