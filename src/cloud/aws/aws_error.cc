#include "cloud/aws/aws_error.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

namespace unpackd::aws {
namespace {

// "com.amazonaws.sqs#QueueDoesNotExist" -> "QueueDoesNotExist"; REST-JSON services append
// ":<documentation url>" to the type.
std::string ShortErrorType(std::string type) {
  if (const size_t hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
  if (const size_t colon = type.find(':'); colon != std::string::npos) type.erase(colon);
  return type;
}

bool OneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (const std::string_view candidate : codes) {
    if (code == candidate) return true;
  }
  return false;
}

}  // namespace

AwsErrorReply ParseJsonErrorReply(const net::HttpResponse& response) {
  AwsErrorReply reply;
  const nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_object()) {
    for (const char* key : {"__type", "code"}) {
      const auto type = doc.find(key);
      if (reply.code.empty() && type != doc.end() && type->is_string()) {
        reply.code = ShortErrorType(type->get<std::string>());
      }
    }
    for (const char* key : {"message", "Message"}) {
      const auto text = doc.find(key);
      if (reply.message.empty() && text != doc.end() && text->is_string()) {
        reply.message = text->get<std::string>();
      }
    }
  }
  if (reply.code.empty()) reply.code = ShortErrorType(response.Header("x-amzn-errortype"));
  // "AWS.SimpleQueueService.NonExistentQueue;Sender": the query protocol's code.
  const std::string query_error = response.Header("x-amzn-query-error");
  reply.query_code = query_error.substr(0, query_error.find(';'));
  reply.request_id = response.Header("x-amzn-requestid");
  return reply;
}

AwsErrorReply ParseXmlErrorReply(const net::HttpResponse& response) {
  AwsErrorReply reply;
  pugi::xml_document doc;
  if (doc.load_buffer(response.body.data(), response.body.size())) {
    const pugi::xml_node root = doc.child("ErrorResponse");
    const pugi::xml_node error = root.child("Error");
    reply.code = error.child_value("Code");
    reply.message = error.child_value("Message");
    reply.request_id = root.child_value("RequestId");
  }
  if (reply.request_id.empty()) reply.request_id = response.Header("x-amzn-requestid");
  return reply;
}

bool IsTransientAwsCode(std::string_view code) {
  return OneOf(code, {"ThrottlingException", "Throttling", "Throttled", "RequestThrottled",
                      "TooManyRequestsException", "ServiceUnavailable",
                      "ServiceUnavailableException", "InternalError", "InternalFailure",
                      "InternalException", "ServiceException", "KmsThrottled",
                      "KMSThrottlingException", "RequestTimeout", "RequestTimeoutException"});
}

bool IsCredentialAwsCode(std::string_view code) {
  return OneOf(code,
               {"InvalidSignatureException", "SignatureDoesNotMatch", "InvalidClientTokenId",
                "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
                "IncompleteSignature", "IncompleteSignatureException", "MissingAuthenticationToken",
                "MissingAuthenticationTokenException", "InvalidSecurity"});
}

bool IsExpiredTokenCode(std::string_view code) {
  return code == "ExpiredToken" || code == "ExpiredTokenException";
}

ErrorKind CommonAwsErrorKind(long status, std::string_view code, std::string_view not_found_code) {
  if (!code.empty() && code == not_found_code) return ErrorKind::kNotFound;
  if (status >= 500 || status == 429 || IsTransientAwsCode(code)) return ErrorKind::kTransient;
  if (status == 401 || status == 403 || IsCredentialAwsCode(code) ||
      code.find("AccessDenied") != std::string_view::npos || code == "AuthorizationError") {
    return ErrorKind::kAccessDenied;
  }
  return ErrorKind::kIo;
}

Error MakeAwsError(std::string_view what, long status, const AwsErrorReply& reply, ErrorKind kind,
                   std::string_view access_key_id, std::string_view permissions) {
  const std::string& code = reply.code.empty() ? reply.query_code : reply.code;
  std::string message = std::string(what) + " failed: HTTP " + std::to_string(status);
  if (!code.empty()) message += " " + code;
  if (!reply.message.empty()) message += ": " + reply.message;
  if (IsCredentialAwsCode(code)) {
    message += " (the credentials for access key id '" + std::string(access_key_id) +
               "' were rejected: check the key id, the secret, the session token and the "
               "region)";
  } else if (kind == ErrorKind::kAccessDenied) {
    message += " (using access key id '" + std::string(access_key_id) + "': it needs " +
               std::string(permissions) + ")";
  }
  if (!reply.request_id.empty()) message += " [request id " + reply.request_id + "]";
  return Error(kind, message, code);
}

}  // namespace unpackd::aws
