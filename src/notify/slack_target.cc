#include "notify/slack_target.h"

#include <span>

#include "notify/http_delivery.h"
#include "notify/slack_message.h"
#include "notify/user_agent.h"

namespace unpackd::notify {
namespace {

// Answers that say the hook or its channel is gone for good (see the header).
bool HookIsGone(long status) {
  return status == 401 || status == 403 || status == 404 || status == 410;
}

}  // namespace

SlackTarget::SlackTarget(SlackTargetOptions options, net::HttpClient& http)
    : options_(std::move(options)), http_(http) {}

DeliveryResult SlackTarget::Deliver(const Notification& n) {
  const std::string body = SlackMessageJson(n);
  net::HttpRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.headers = {
      {"Content-Type", "application/json; charset=utf-8"},
      {"User-Agent", kUserAgent},
  };
  request.body = std::as_bytes(std::span(body));
  request.timeout = options_.timeout;

  DeliveryResult failure;
  const std::optional<net::HttpResponse> response = PostForDelivery(http_, request, failure);
  if (!response) return failure;
  if (response->status == 200) return DeliveryResult::Delivered("HTTP 200");
  if (HookIsGone(response->status)) return DeliveryResult::Gone(StatusDetail(*response));
  return RetryForResponse(*response);
}

}  // namespace unpackd::notify
