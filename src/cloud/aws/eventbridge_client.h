// EventBridgeClient: Amazon EventBridge's PutEvents for one event at a time, over AWS JSON 1.1
// (a POST with "X-Amz-Target: AWSEvents.PutEvents" and "Content-Type:
// application/x-amz-json-1.1"), signed with SigV4 for service "events" through the shared signed
// poster (signed_poster.h).
//
// PutEvents answers 200 even when its entry failed: "FailedEntryCount" > 0 and the entry's
// ErrorCode say so (an unknown event bus is such an entry: ResourceNotFoundException). The
// client treats that entry's failure as the call's, retrying the codes EventBridge documents as
// retryable (ThrottlingException, InternalFailure).
//
// Thread safety: PutEvents may be called from any thread at once.
#pragma once

#include <string>

#include "cloud/aws/aws_client_config.h"
#include "cloud/aws/signed_poster.h"
#include "net/http_client.h"
#include "util/error.h"

namespace unpackd::aws {

using EventBridgeClientConfig = AwsClientConfig;

// One event, as PutEvents' request entry has it.
struct EventBridgeEntry {
  std::string source;       // "unpackd"
  std::string detail_type;  // "Extraction Succeeded"
  std::string detail;       // a JSON object, as text
  std::string event_bus;    // a name or an ARN; empty: the account's "default" bus
};

class EventBridgeClient {
 public:
  // Throws Error(kUsage, "bad-config") for an endpoint that is not an http(s) URL or holds a
  // user name or password. Makes no request.
  explicit EventBridgeClient(const EventBridgeClientConfig& config);
  EventBridgeClient(const EventBridgeClient&) = delete;
  EventBridgeClient& operator=(const EventBridgeClient&) = delete;

  // Sends `entry` with PutEvents; returns the event id EventBridge gave it. Throws Error:
  // kTransient after retries (5xx, throttling, network, or the entry's ThrottlingException /
  // InternalFailure), kAccessDenied (credentials refused, or no events:PutEvents on the bus, or
  // the entry's AccessDeniedException / NotAuthorizedFor*: the message names the access key
  // id, never the secret), kNotFound (ResourceNotFoundException: no such bus), kCancelled, kIo
  // otherwise (MalformedDetail, InvalidArgument, a malformed answer); code = AWS's short error
  // code (the entry's ErrorCode when the entry failed). The message names the bus.
  std::string PutEvents(const EventBridgeEntry& entry);

  const std::string& region() const { return poster_.region(); }
  const std::string& endpoint() const { return poster_.endpoint(); }

 private:
  SignedPoster poster_;
};

// The Error for a failed PutEvents answer (not 2xx): ResourceNotFoundException -> kNotFound,
// else as CommonAwsErrorKind (aws_error.h). Names `event_bus`. Pure.
Error MakeEventBridgeError(const std::string& event_bus, const net::HttpResponse& response,
                           const std::string& access_key_id);

// Reads a 200 PutEvents answer for one entry: its event id, or the Error its failed entry
// stands for (as EventBridgeClient::PutEvents documents), or Error(kIo) for an answer that is not
// PutEvents' JSON. Pure.
std::string ParsePutEventsAnswer(const std::string& event_bus, const std::string& body);

}  // namespace unpackd::aws
