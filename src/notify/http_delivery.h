// What the HTTP targets (webhook, Slack) share: one POST whose transport failure becomes a
// kRetry naming the target by its redacted URL, the receiver's Retry-After, and a short quote of
// an error answer for the log.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_client.h"
#include "notify/notification_target.h"

namespace unpackd::notify {

// The client every sender of notifications uses (serve, `extract --notify`, lambda): a few
// connections, and short connect and stall limits, so a dead receiver cannot hold a job's end
// for long; `ca_bundle` is a PEM file of CAs to trust (empty: the system store).
net::HttpClientOptions DeliveryHttpOptions(const std::string& ca_bundle);

// How much of an error answer's body a DeliveryResult quotes.
inline constexpr size_t kQuotedBodyBytes = 200;

// Performs `request` (a POST to a target's URL). Returns the response whatever its status; on a
// transport failure (refused, reset, timeout, DNS, TLS) returns nullopt and sets `failure` to a
// kRetry whose detail is the client's error with the URL redacted. Thread-safe as the client is.
std::optional<net::HttpResponse> PostForDelivery(net::HttpClient& http,
                                                 const net::HttpRequest& request,
                                                 DeliveryResult& failure);

// "HTTP 500: <first 200 bytes of the body, cut on a character boundary>" ("HTTP 500" when the
// body is empty).
std::string StatusDetail(const net::HttpResponse& response);

// A Retry-After value (RFC 9110 section 10.2.3): delay-seconds, or an HTTP-date
// ("Sun, 06 Nov 1994 08:49:37 GMT") taken relative to `now`. A date in the past is 0; an
// unparsable value is nullopt; anything beyond a day is a day (a broken server must not park a
// target for ever).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// kRetry for an answer that is neither success nor "gone": honours its Retry-After, and says
// that a redirect (3xx) is not followed, naming where it pointed (redacted).
DeliveryResult RetryForResponse(const net::HttpResponse& response);

}  // namespace unpackd::notify
