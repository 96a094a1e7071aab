// What every AWS service's error answer has in common: reading its code, message and request id
// out of whichever protocol the service speaks, deciding the ErrorKind that most codes share, and
// the Error's message. Each client adds only what is its own (SQS's missing queue, Lambda's
// missing function), so a code means the same kind in every client.
#pragma once

#include <string>
#include <string_view>

#include "net/http_client.h"
#include "util/error.h"

namespace unpackd::aws {

// An error answer, as the service said it.
struct AwsErrorReply {
  std::string code;  // the short code: "ResourceNotFoundException", "QueueDoesNotExist"
  // The query protocol's code from the x-amzn-query-error header
  // ("AWS.SimpleQueueService.NonExistentQueue"); empty when the header is absent.
  std::string query_code;
  std::string message;  // the service's own words; empty when it gave none
  std::string request_id;
};

// The error of a JSON protocol (AWS JSON 1.0/1.1, REST-JSON): the code from the body's "__type"
// or "code", else the x-amzn-errortype header, shortened ("com.amazonaws.sqs#QueueDoesNotExist",
// "ResourceNotFoundException:http://internal..." -> the bare name); the message from "message"
// or "Message"; the request id from x-amzn-requestid. A body that is not JSON (a proxy's HTML
// page) leaves code and message empty. Pure.
AwsErrorReply ParseJsonErrorReply(const net::HttpResponse& response);

// The error of the Query protocol (SNS): <ErrorResponse><Error><Code>, <Message></Error>
// <RequestId></ErrorResponse>, the request id falling back to x-amzn-requestid. A body that is
// not that XML leaves code and message empty. Pure.
AwsErrorReply ParseXmlErrorReply(const net::HttpResponse& response);

// Whether the code says "slow down" or "our side failed": ThrottlingException, Throttled,
// TooManyRequestsException, InternalFailure, ServiceUnavailable, ...
bool IsTransientAwsCode(std::string_view code);
// Whether the code says the credentials themselves were refused (a wrong secret, an unknown key
// id, an expired session token), as opposed to a policy that does not allow the action.
bool IsCredentialAwsCode(std::string_view code);
bool IsExpiredTokenCode(std::string_view code);

// The kind most services' answers share: 5xx, 429 and transient codes -> kTransient; 401, 403,
// credential codes and *AccessDenied* codes -> kAccessDenied; `not_found_code` (the service's
// "no such resource": "NotFound", "ResourceNotFoundException") -> kNotFound; anything else ->
// kIo. Clients check their other codes (preconditions) themselves.
ErrorKind CommonAwsErrorKind(long status, std::string_view code,
                             std::string_view not_found_code = {});

// The Error for a failed call: "<what> failed: HTTP <status> <code>: <message>", then for
// kAccessDenied which access key id was used (never the secret) and either that the credentials
// were refused or that the key needs `permissions` ("sns:Publish on the topic"), then
// "[request id <id>]". The Error's code is reply.code (else reply.query_code). Pure.
Error MakeAwsError(std::string_view what, long status, const AwsErrorReply& reply, ErrorKind kind,
                   std::string_view access_key_id, std::string_view permissions);

}  // namespace unpackd::aws
