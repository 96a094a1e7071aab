// EventBridgeTarget: puts the notification on an Amazon EventBridge event bus through
// aws::EventBridgeClient, as one event: Source "unpackd", DetailType from the kind
// (EventDetailType), Detail the webhook's JSON document (docs/notifications.md), so rules can
// match on any payload field ("detail.archive.bucket").
//
// Answers: the entry accepted -> delivered; throttling, 5xx, network, a ThrottlingException or
// InternalFailure entry, credentials not available yet -> retry; ResourceNotFoundException (the
// bus is gone) -> gone; access denied -> retry, with the missing events:PutEvents named.
#pragma once

#include <string>
#include <string_view>

#include "cloud/aws/eventbridge_client.h"
#include "notify/notification_target.h"

namespace unpackd::notify {

// The events' Source.
inline constexpr const char* kEventSource = "unpackd";

struct EventBridgeTargetOptions {
  std::string name;
  std::string event_bus;  // a name or an ARN; empty: the account's "default" bus
  // Its retry policy should allow one attempt (AwsClientConfigFor, aws_delivery.h): the outbox
  // retries.
  aws::EventBridgeClientConfig client;
};

class EventBridgeTarget : public NotificationTarget {
 public:
  // Throws Error(kUsage, "bad-config") for a bad endpoint (aws::EventBridgeClient).
  explicit EventBridgeTarget(EventBridgeTargetOptions options);

  const std::string& name() const override { return options_.name; }
  // See NotificationTarget::Deliver.
  DeliveryResult Deliver(const Notification& n) override;

 private:
  const EventBridgeTargetOptions options_;
  aws::EventBridgeClient client_;
};

// "Extraction Succeeded", "Extraction Failed", "Archive Refused": the events' DetailType.
std::string_view EventDetailType(NotificationKind kind);

}  // namespace unpackd::notify
