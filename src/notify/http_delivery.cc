#include "notify/http_delivery.h"

#include <ctime>

#include "notify/redacted_url.h"
#include "notify/utf8_text.h"
#include "util/error.h"

namespace unpackd::notify {

net::HttpClientOptions DeliveryHttpOptions(const std::string& ca_bundle) {
  net::HttpClientOptions options;
  options.max_connections = 4;
  options.connect_timeout = std::chrono::milliseconds(5'000);
  options.stall_timeout = std::chrono::seconds(15);
  options.ca_bundle = ca_bundle;
  return options;
}

namespace {

constexpr std::chrono::milliseconds kLongestRetryAfter = std::chrono::hours(24);

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<net::HttpResponse> PostForDelivery(net::HttpClient& http,
                                                 const net::HttpRequest& request,
                                                 DeliveryResult& failure) {
  try {
    return http.Perform(request);
  } catch (const Error& e) {
    // Whatever the client's kind (kTransient for a refused connection, kIo for a TLS failure),
    // the notification is still owed: the next attempt may find the receiver fixed.
    failure = DeliveryResult::Retry(ScrubUrl(e.what(), request.url));
    return std::nullopt;
  }
}

std::string StatusDetail(const net::HttpResponse& response) {
  std::string detail = "HTTP " + std::to_string(response.status);
  if (!response.body.empty()) detail += ": " + TruncateBytes(response.body, kQuotedBodyBytes);
  return detail;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 6) return kLongestRetryAfter;  // a million seconds is past any cap
    const std::chrono::milliseconds delay = std::chrono::seconds(std::stol(std::string(value)));
    return std::min(delay, kLongestRetryAfter);
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (when <= now) return std::chrono::milliseconds(0);
  return std::min(std::chrono::duration_cast<std::chrono::milliseconds>(when - now),
                  kLongestRetryAfter);
}

DeliveryResult RetryForResponse(const net::HttpResponse& response) {
  const auto retry_after =
      ParseRetryAfter(response.Header("retry-after"), std::chrono::system_clock::now());
  if (response.status >= 300 && response.status < 400) {
    std::string detail = "HTTP " + std::to_string(response.status) + ": redirects are not followed";
    if (const std::string location = response.Header("location"); !location.empty()) {
      detail += " (Location: " + Redacted(location) + ")";
    }
    detail += "; configure the final URL";
    return DeliveryResult::Retry(std::move(detail), retry_after);
  }
  return DeliveryResult::Retry(StatusDetail(response), retry_after);
}

}  // namespace unpackd::notify
