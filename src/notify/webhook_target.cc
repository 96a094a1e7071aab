#include "notify/webhook_target.h"

#include <span>

#include "notify/http_delivery.h"
#include "notify/user_agent.h"
#include "notify/webhook_signature.h"

namespace unpackd::notify {

WebhookTarget::WebhookTarget(WebhookTargetOptions options, net::HttpClient& http)
    : options_(std::move(options)), http_(http) {}

DeliveryResult WebhookTarget::Deliver(const Notification& n) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  net::HttpRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.headers = {
      {"Content-Type", "application/json"},
      {kSignatureHeader, SignatureHeader(options_.secret, now, n.payload_json)},
      {"Unpackd-Event-Id", n.event_id},
      {"Idempotency-Key", n.event_id},
      {"User-Agent", kUserAgent},
  };
  request.body = std::as_bytes(std::span(n.payload_json));
  request.timeout = options_.timeout;

  DeliveryResult failure;
  const std::optional<net::HttpResponse> response = PostForDelivery(http_, request, failure);
  if (!response) return failure;
  if (response->status >= 200 && response->status < 300) {
    return DeliveryResult::Delivered("HTTP " + std::to_string(response->status));
  }
  if (response->status == 410) return DeliveryResult::Gone(StatusDetail(*response));
  return RetryForResponse(*response);
}

}  // namespace unpackd::notify
