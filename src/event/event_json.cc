#include "event/event_json.h"

#include "util/error.h"

namespace unpackd::event_json {

void ThrowMalformed(const std::string& reason) {
  throw Error(ErrorKind::kUsage, "malformed event: " + reason, "malformed-event");
}

const nlohmann::json* Field(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string OptionalString(const nlohmann::json& object, std::string_view name,
                           std::string_view where) {
  const nlohmann::json* value = Field(object, name);
  if (value == nullptr) return {};
  if (!value->is_string()) ThrowMalformed(std::string(where) + " is not a string");
  return value->get<std::string>();
}

std::string RequiredString(const nlohmann::json& object, std::string_view name,
                           std::string_view where) {
  std::string value = OptionalString(object, name, where);
  if (value.empty()) ThrowMalformed(std::string(where) + " is missing or empty");
  return value;
}

const nlohmann::json& RequiredObject(const nlohmann::json& object, std::string_view name,
                                     std::string_view where) {
  const nlohmann::json* value = Field(object, name);
  if (value == nullptr || !value->is_object()) {
    ThrowMalformed(std::string(where) + " is missing or not an object");
  }
  return *value;
}

std::optional<uint64_t> OptionalSize(const nlohmann::json& object, std::string_view name,
                                     std::string_view where) {
  const nlohmann::json* value = Field(object, name);
  if (value == nullptr) return std::nullopt;
  // A float such as 1024.0 or a negative number is not a size any S3 server sends.
  if (!value->is_number_unsigned()) {
    ThrowMalformed(std::string(where) + " is not a non-negative integer");
  }
  return value->get<uint64_t>();
}

std::string UnquoteEtag(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace unpackd::event_json
