#include "store/s3/s3_error.h"

#include <pugixml.hpp>

namespace unpackd::s3 {

S3ErrorDocument ParseS3ErrorDocument(const std::string& body) {
  S3ErrorDocument doc;
  pugi::xml_document xml;
  if (!xml.load_buffer(body.data(), body.size())) return doc;
  pugi::xml_node error = xml.child("Error");
  if (!error) return doc;
  doc.code = error.child_value("Code");
  doc.message = error.child_value("Message");
  doc.request_id = error.child_value("RequestId");
  doc.host_id = error.child_value("HostId");
  return doc;
}

bool IsRetryableS3Failure(long status, const std::string& code) {
  if (status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
      status == 504) {
    return true;
  }
  return code == "RequestTimeout" || code == "InternalError" || code == "ServiceUnavailable" ||
         IsThrottlingS3Failure(status, code);
}

bool IsThrottlingS3Failure(long status, const std::string& code) {
  return status == 503 || status == 429 || code == "SlowDown" || code == "Throttling" ||
         code == "ThrottlingException" || code == "RequestLimitExceeded" ||
         code == "TooManyRequests";
}

S3ErrorDocument S3ErrorOf(const net::HttpResponse& response) {
  S3ErrorDocument doc = ParseS3ErrorDocument(response.body);
  if (doc.request_id.empty()) doc.request_id = response.Header("x-amz-request-id");
  if (doc.code.empty()) doc.code = response.Header("x-amz-error-code");
  if (doc.message.empty()) doc.message = response.Header("x-amz-error-message");
  return doc;
}

Error MakeS3Error(const S3RequestContext& context, const net::HttpResponse& response) {
  const S3ErrorDocument doc = S3ErrorOf(response);

  ErrorKind kind = ErrorKind::kIo;
  const long status = response.status;
  if (IsRetryableS3Failure(status, doc.code)) {
    kind = ErrorKind::kTransient;
  } else if (status == 404 || doc.code == "NoSuchKey" || doc.code == "NoSuchBucket") {
    kind = ErrorKind::kNotFound;
  } else if (status == 412 || doc.code == "PreconditionFailed") {
    kind = ErrorKind::kPrecondition;
  } else if (status == 401 || status == 403) {
    kind = ErrorKind::kAccessDenied;
  }

  std::string target = context.bucket;
  if (!context.key.empty()) target += "/" + context.key;
  std::string message =
      context.operation + " s3://" + target + " failed: HTTP " + std::to_string(status);
  if (!doc.code.empty()) message += " " + doc.code;
  if (!doc.message.empty()) message += ": " + doc.message;
  if (doc.code.empty() && doc.message.empty()) {
    if (status == 404) message += ": no such object or bucket";
    if (status == 403) message += ": access denied";
    if (status == 412) message += ": the object changed (ETag no longer matches)";
    if (status == 400) message += ": bad request";
  }
  if (doc.code == "InvalidAccessKeyId" || doc.code == "SignatureDoesNotMatch" ||
      doc.code == "ExpiredToken" || doc.code == "InvalidToken" ||
      doc.code == "TokenRefreshRequired") {
    message += " (the credentials for access key id '" + context.access_key_id +
               "' were rejected: check the key id, the secret and the session token)";
  } else if (kind == ErrorKind::kAccessDenied) {
    message += " (using access key id '" + context.access_key_id + "')";
  }
  if (!doc.request_id.empty()) message += " [request id " + doc.request_id + "]";
  return Error(kind, message, doc.code);
}

}  // namespace unpackd::s3
