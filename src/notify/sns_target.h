// SnsTarget: publishes the notification to an Amazon SNS topic through aws::SnsClient. The
// message is the webhook's JSON document byte for byte (docs/notifications.md), so SQS, Lambda
// and HTTPS subscribers parse what a webhook receiver does; the subject (used by e-mail
// subscribers) is a short ASCII line (SnsSubject).
//
// Answers: published -> delivered; throttling, 5xx, network, credentials not available yet ->
// retry; NotFound (the topic is gone) -> gone; access denied -> retry, with the missing
// sns:Publish named.
#pragma once

#include <string>

#include "cloud/aws/sns_client.h"
#include "notify/notification_target.h"

namespace unpackd::notify {

struct SnsTargetOptions {
  std::string name;
  std::string topic_arn;
  // Its retry policy should allow one attempt (AwsClientConfigFor, aws_delivery.h): the outbox
  // retries.
  aws::SnsClientConfig client;
};

class SnsTarget : public NotificationTarget {
 public:
  // Throws Error(kUsage, "bad-config") for a bad endpoint (aws::SnsClient).
  explicit SnsTarget(SnsTargetOptions options);

  const std::string& name() const override { return options_.name; }
  // See NotificationTarget::Deliver.
  DeliveryResult Deliver(const Notification& n) override;

 private:
  const SnsTargetOptions options_;
  aws::SnsClient client_;
};

// "unpackd: extraction succeeded: incoming/uploads/a.zip": the kind and the archive's bucket and
// key, in printable ASCII (any other byte becomes '?', as SNS takes only ASCII subjects),
// shortened with "..." to at most 99 characters (SNS wants fewer than 100). Pure.
std::string SnsSubject(const Notification& n);

}  // namespace unpackd::notify
