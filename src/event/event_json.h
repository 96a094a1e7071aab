// Reading fields of an event document (internal to the event layer). Absent and null mean the
// same (the sender did not say); a field of the wrong type makes the whole message malformed,
// because a sender that changed a field's type has changed its format and guessing could start
// the wrong job.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace unpackd::event_json {

// Throws Error(kUsage, "<reason>", "malformed-event").
[[noreturn]] void ThrowMalformed(const std::string& reason);

// The member `name` of `object`, or nullptr when `object` is not an object or the member is
// absent or null. The pointer borrows from `object`.
const nlohmann::json* Field(const nlohmann::json& object, std::string_view name);

// The member as a string; "" when absent or null; malformed when of another type. `where`
// names the field in the error ("s3.object.eTag").
std::string OptionalString(const nlohmann::json& object, std::string_view name,
                           std::string_view where);

// Like OptionalString, but absent, null or "" is malformed.
std::string RequiredString(const nlohmann::json& object, std::string_view name,
                           std::string_view where);

// The member as an object; malformed when absent or of another type.
const nlohmann::json& RequiredObject(const nlohmann::json& object, std::string_view name,
                                     std::string_view where);

// A byte count: absent or null -> nullopt; anything but a non-negative integer is malformed.
std::optional<uint64_t> OptionalSize(const nlohmann::json& object, std::string_view name,
                                     std::string_view where);

// An ETag as stored elsewhere in unpackd: without surrounding quotes.
std::string UnquoteEtag(std::string etag);

}  // namespace unpackd::event_json
