#include "notify/eventbridge_target.h"

#include "notify/aws_delivery.h"

namespace unpackd::notify {

std::string_view EventDetailType(NotificationKind kind) { return NotificationKindTitle(kind); }

EventBridgeTarget::EventBridgeTarget(EventBridgeTargetOptions options)
    : options_(std::move(options)), client_(options_.client) {}

DeliveryResult EventBridgeTarget::Deliver(const Notification& n) {
  const std::string bus = options_.event_bus.empty() ? "default" : options_.event_bus;
  try {
    const std::string id = client_.PutEvents(
        {kEventSource, std::string(EventDetailType(n.kind)), n.payload_json, options_.event_bus});
    return DeliveryResult::Delivered("EventBridge event id " + id);
  } catch (const Error& e) {
    return AwsDeliveryFailure(e, "EventBridge event bus " + bus, "events:PutEvents");
  }
}

}  // namespace unpackd::notify
