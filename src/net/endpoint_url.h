// Endpoint URLs as users give them ("https://host[:port][/base]", perhaps with "user:password@"
// in front of the host): checked before any request is made, and named in messages without the
// password.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace unpackd::net {

// Why `url` cannot be an HTTP endpoint, as a sentence naming the URL (redacted), or nullopt.
// Accepted: scheme http or https (any case), "://", optional user info ending in '@', a host (a
// name or IPv4 address, or an IPv6 address in brackets), an optional ":port" of 1 to 65535, then
// nothing or a "/path"; no query, fragment, spaces or control characters.
std::optional<std::string> EndpointUrlProblem(std::string_view url);

// `url` with the password of its user info replaced by "***" ("http://user:***@host/x"), so the
// URL can be named in a message or a log; a URL without a password comes back unchanged. It errs
// on the side of hiding: everything from the first ':' after "://" to the last '@' before any
// query or fragment counts as the password (a request path never holds a raw '@': keys are
// percent-encoded).
std::string RedactUrl(std::string_view url);

}  // namespace unpackd::net
