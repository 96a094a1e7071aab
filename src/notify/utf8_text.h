// Cutting UTF-8 text to a length limit without splitting a character: Slack counts its limits
// in characters and rejects a message whose text breaks off inside one, and a log line that
// quotes a response body must stay valid UTF-8 for the JSON log.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace unpackd::notify {

// The marker a shortened text ends with.
inline constexpr std::string_view kEllipsis = "\u2026";

// The length of `utf8` in UTF-16 code units (JavaScript's String.length): a character outside
// the Basic Multilingual Plane counts 2, every other character 1. Never less than the number of
// characters, so a limit that holds in these units holds however a service counts characters.
// Bytes that are not valid UTF-8 count 1 each.
size_t Utf16Length(std::string_view utf8);

// `utf8` unchanged when Utf16Length(utf8) <= max_units; else its longest prefix that ends on a
// character boundary and leaves room for kEllipsis, followed by kEllipsis. max_units of 0 gives
// "". Pure; thread-safe.
std::string TruncateChars(std::string_view utf8, size_t max_units);

// At most `max_bytes` bytes of `text` ending on a UTF-8 character boundary, followed by
// kEllipsis when anything was cut: for quoting a peer's response in a message.
std::string TruncateBytes(std::string_view text, size_t max_bytes);

}  // namespace unpackd::notify
