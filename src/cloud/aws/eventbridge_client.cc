#include "cloud/aws/eventbridge_client.h"

#include <nlohmann/json.hpp>

#include "cloud/aws/aws_error.h"

namespace unpackd::aws {
namespace {

std::string BusName(const std::string& event_bus) {
  return event_bus.empty() ? std::string("default") : event_bus;
}

std::string What(const std::string& event_bus) {
  return "EventBridge PutEvents bus " + BusName(event_bus);
}

const std::string* StringField(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

ErrorKind EntryErrorKind(const std::string& code) {
  if (code == "ThrottlingException" || code == "InternalFailure") return ErrorKind::kTransient;
  if (code == "ResourceNotFoundException") return ErrorKind::kNotFound;
  if (code == "AccessDeniedException" || code.starts_with("NotAuthorizedFor")) {
    return ErrorKind::kAccessDenied;
  }
  return ErrorKind::kIo;
}

}  // namespace

Error MakeEventBridgeError(const std::string& event_bus, const net::HttpResponse& response,
                           const std::string& access_key_id) {
  const AwsErrorReply reply = ParseJsonErrorReply(response);
  return MakeAwsError(What(event_bus), response.status, reply,
                      CommonAwsErrorKind(response.status, reply.code, "ResourceNotFoundException"),
                      access_key_id, "events:PutEvents on the event bus");
}

std::string ParsePutEventsAnswer(const std::string& event_bus, const std::string& body) {
  const nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  const auto entries = answer.is_object() ? answer.find("Entries") : answer.end();
  if (!answer.is_object() || entries == answer.end() || !entries->is_array() ||
      entries->size() != 1 || !entries->front().is_object()) {
    throw Error(ErrorKind::kIo, What(event_bus) + ": the answer is not PutEvents' (one entry)",
                "malformed-answer");
  }
  const nlohmann::json& entry = entries->front();
  if (const std::string* code = StringField(entry, "ErrorCode"); code != nullptr) {
    const std::string* text = StringField(entry, "ErrorMessage");
    // Which permission is missing is EventBridge's to say (the source, the detail type, the
    // bus's KMS key): its message goes along.
    throw Error(EntryErrorKind(*code),
                What(event_bus) + " failed: the event was refused: " + *code +
                    (text != nullptr && !text->empty() ? ": " + *text : std::string()),
                *code);
  }
  const std::string* id = StringField(entry, "EventId");
  if (id == nullptr || id->empty()) {
    throw Error(ErrorKind::kIo, What(event_bus) + ": the answer's entry has no EventId",
                "malformed-answer");
  }
  return *id;
}

EventBridgeClient::EventBridgeClient(const EventBridgeClientConfig& config)
    : poster_(RegionalPosterOptions(config, "events"), "the EventBridge endpoint") {}

std::string EventBridgeClient::PutEvents(const EventBridgeEntry& entry) {
  nlohmann::json item = {
      {"Source", entry.source}, {"DetailType", entry.detail_type}, {"Detail", entry.detail}};
  if (!entry.event_bus.empty()) item["EventBusName"] = entry.event_bus;
  const std::string body = nlohmann::json{{"Entries", nlohmann::json::array({item})}}.dump();
  SignedPost post;
  post.what = What(entry.event_bus);
  post.headers = {{"content-type", "application/x-amz-json-1.1"},
                  {"x-amz-target", "AWSEvents.PutEvents"}};
  post.body = body;
  std::string event_id;
  poster_.Post(
      post,
      [&](const net::HttpResponse& response, const std::string& key_id) {
        return MakeEventBridgeError(entry.event_bus, response, key_id);
      },
      [&](const net::HttpResponse& response) -> std::optional<Error> {
        try {
          event_id = ParsePutEventsAnswer(entry.event_bus, response.body);
          return std::nullopt;
        } catch (const Error& e) {
          return e;
        }
      });
  return event_id;
}

}  // namespace unpackd::aws
