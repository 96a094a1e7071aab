// ParseEventMessage: which envelope holds the S3 event, unwrapped until one is found.
#include "event/event_message.h"

#include <nlohmann/json.hpp>
#include <string>

#include "event/event_json.h"
#include "event/eventbridge_event.h"
#include "event/s3_record.h"

namespace unpackd {
namespace {

using event_json::Field;
using event_json::ThrowMalformed;

// SNS inside SQS is the deepest real nesting (two JSON strings inside the message). Bounding
// it keeps a body that wraps itself from recursing as deep as the bytes allow.
constexpr int kMaxEnvelopes = 3;

nlohmann::json ParseJson(std::string_view text, const std::string& where) {
  // nlohmann's parser and destructor are iterative, so deep nesting costs memory, not stack.
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) ThrowMalformed(where + " is not JSON");
  return doc;
}

void AddMessage(const nlohmann::json& doc, const std::string& where, int envelopes,
                EventMessage& out);

// SQS's body and SNS's Message are strings holding the next JSON document.
void AddEnvelopeContent(const nlohmann::json& content, const std::string& where, int envelopes,
                        EventMessage& out) {
  if (!content.is_string()) ThrowMalformed(where + " is not a string");
  if (envelopes >= kMaxEnvelopes) {
    ThrowMalformed(where + ": more than " + std::to_string(kMaxEnvelopes) + " nested envelopes");
  }
  AddMessage(ParseJson(content.get_ref<const std::string&>(), where), where, envelopes + 1, out);
}

// An SQS message: Lambda's record spells its body "body", ReceiveMessage "Body". False if
// `message` has neither.
bool AddSqsBody(const nlohmann::json& message, const std::string& where, int envelopes,
                EventMessage& out) {
  for (const char* body : {"body", "Body"}) {
    if (const nlohmann::json* content = Field(message, body); content != nullptr) {
      AddEnvelopeContent(*content, where + "." + body, envelopes, out);
      return true;
    }
  }
  return false;
}

// One element of Records (or of a ReceiveMessage response's Messages): an S3 record, an SQS
// message (Lambda's "body", ReceiveMessage's "Body") or Lambda's SNS record ("Sns").
void AddRecord(const nlohmann::json& record, const std::string& where, int envelopes,
               EventMessage& out) {
  if (!record.is_object()) ThrowMalformed(where + " is not an object");
  if (IsS3Record(record)) {
    AddS3Record(record, where, out);
    return;
  }
  if (const nlohmann::json* sns = Field(record, "Sns"); sns != nullptr) {
    AddMessage(*sns, where + ".Sns", envelopes, out);
    return;
  }
  if (AddSqsBody(record, where, envelopes, out)) return;
  ThrowMalformed(where + " is neither an S3 record nor an SQS or SNS message");
}

void AddRecords(const nlohmann::json& records, const std::string& where, int envelopes,
                EventMessage& out) {
  if (!records.is_array()) ThrowMalformed(where + " is not an array");
  for (size_t i = 0; i < records.size(); ++i) {
    AddRecord(records[i], where + "[" + std::to_string(i) + "]", envelopes, out);
  }
}

void AddMessage(const nlohmann::json& doc, const std::string& where, int envelopes,
                EventMessage& out) {
  if (!doc.is_object()) ThrowMalformed(where + " is not a JSON object");
  if (const nlohmann::json* event = Field(doc, "Event");
      event != nullptr && *event == "s3:TestEvent") {
    out.test_event = true;
    return;
  }
  if (IsEventBridgeEvent(doc)) {
    AddEventBridgeEvent(doc, out);
    return;
  }
  if (const nlohmann::json* records = Field(doc, "Records"); records != nullptr) {
    AddRecords(*records, where + ".Records", envelopes, out);
    return;
  }
  if (const nlohmann::json* messages = Field(doc, "Messages"); messages != nullptr) {
    AddRecords(*messages, where + ".Messages", envelopes, out);
    return;
  }
  if (const nlohmann::json* type = Field(doc, "Type"); type != nullptr) {
    // SubscriptionConfirmation and UnsubscribeConfirmation carry no event; whoever receives
    // SNS over HTTP must answer them before calling here.
    if (*type != "Notification") ThrowMalformed(where + ": SNS message of another Type");
    const nlohmann::json* message = Field(doc, "Message");
    if (message == nullptr) ThrowMalformed(where + ": SNS notification without Message");
    AddEnvelopeContent(*message, where + ".Message", envelopes, out);
    return;
  }
  if (AddSqsBody(doc, where, envelopes, out)) return;
  ThrowMalformed(where +
                 " has no known shape (Records, an SQS body, an SNS Message, an EventBridge "
                 "detail or s3:TestEvent)");
}

}  // namespace

EventMessage ParseEventMessage(std::string_view body) {
  EventMessage out;
  try {
    AddMessage(ParseJson(body, "message"), "message", 0, out);
  } catch (const nlohmann::json::exception& e) {
    // Every access above checks its type first; this keeps a missed check a usage error.
    ThrowMalformed(std::string("message: ") + e.what());
  }
  return out;
}

}  // namespace unpackd
