// Unpackd-Signature: how a webhook receiver knows a request came from unpackd and was not
// replayed later. The header is
//
//   Unpackd-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// (the scheme Stripe and others use): the timestamp is signed with the body, so a captured
// request cannot be replayed once the receiver's tolerance has passed, and "v1" names the
// scheme so a later one can be sent beside it during a rotation. docs/notifications.md shows a
// receiver verifying it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace unpackd::notify {

inline constexpr const char* kSignatureHeader = "Unpackd-Signature";

// The header's value for `body` sent at `unix_seconds`. Pure; thread-safe.
std::string SignatureHeader(std::string_view secret, int64_t unix_seconds, std::string_view body);

// The receiver's check: true when `header` holds a timestamp within `tolerance_seconds` of
// `now_unix` (either way: a clock running ahead is as suspect as a replay) and at least one
// "v1=" signature that matches `body` under `secret`. Signatures are compared in constant
// time. Unknown elements ("v0=", "x=") are ignored; a malformed header is false, never an
// exception. Pure; thread-safe.
bool VerifySignatureHeader(std::string_view secret, std::string_view header, std::string_view body,
                           int64_t now_unix, int64_t tolerance_seconds);

}  // namespace unpackd::notify
