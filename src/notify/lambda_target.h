// LambdaTarget: invokes an AWS Lambda function asynchronously with the notification's payload
// (the "alert-api" pattern: the function reacts to extractions), through aws::LambdaClient. The
// payload is the webhook's JSON document byte for byte (docs/notifications.md); Lambda queues it
// (202) and runs the function later, with Lambda's own retries for the function's failures.
//
// Answers: queued -> delivered; throttling, 5xx, network, credentials not available yet ->
// retry; ResourceNotFoundException (the function is gone) -> gone; access denied -> retry, with
// the missing lambda:InvokeFunction named.
#pragma once

#include <string>

#include "cloud/aws/lambda_client.h"
#include "notify/notification_target.h"

namespace unpackd::notify {

struct LambdaTargetOptions {
  std::string name;
  std::string function;  // a name, name:qualifier, or a partial or full ARN
  // Its retry policy should allow one attempt (AwsClientConfigFor, aws_delivery.h): the outbox
  // retries.
  aws::LambdaClientConfig client;
};

class LambdaTarget : public NotificationTarget {
 public:
  // Throws Error(kUsage, "bad-config") for a bad endpoint (aws::LambdaClient).
  explicit LambdaTarget(LambdaTargetOptions options);

  const std::string& name() const override { return options_.name; }
  // See NotificationTarget::Deliver.
  DeliveryResult Deliver(const Notification& n) override;

 private:
  const LambdaTargetOptions options_;
  aws::LambdaClient client_;
};

}  // namespace unpackd::notify
