#include "lambda/invocation_event.h"

#include <nlohmann/json.hpp>

namespace unpackd::lambda {
namespace {

bool IsSqsRecord(const nlohmann::json& record) {
  if (!record.is_object()) return false;
  const auto source = record.find("eventSource");
  return source != record.end() && source->is_string() && *source == "aws:sqs";
}

std::string StringField(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

InvocationEvent SplitInvocationEvent(std::string_view body) {
  InvocationEvent event;
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const auto records = doc.is_object() ? doc.find("Records") : doc.end();
  if (doc.is_object() && records != doc.end() && records->is_array() && !records->empty() &&
      IsSqsRecord(records->front())) {
    event.sqs_batch = true;
    for (const nlohmann::json& record : *records) {
      if (!record.is_object()) {
        event.items.push_back({"", record.dump()});
        continue;
      }
      event.items.push_back({StringField(record, "messageId"), StringField(record, "body")});
    }
    return event;
  }
  event.items.push_back({"", std::string(body)});
  return event;
}

std::optional<std::string> PlanRequestEvent(std::string_view message) {
  const nlohmann::json doc = nlohmann::json::parse(message, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  const auto inner = doc.find("unpackd_plan");
  if (inner == doc.end()) return std::nullopt;
  return inner->dump();
}

}  // namespace unpackd::lambda
