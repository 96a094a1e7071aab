// Turning S3's failure responses into unpackd::Error.
//
// S3 answers failures with an XML document (<Error><Code/><Message/><RequestId/></Error>);
// HEAD responses and some proxies send none. The message names the operation, bucket, key,
// HTTP status, S3 error code, S3's own message and the request id, so a user can quote it to
// their provider.
#pragma once

#include <string>

#include "net/http_client.h"
#include "util/error.h"

namespace unpackd::s3 {

struct S3ErrorDocument {
  std::string code;        // e.g. "NoSuchKey"; empty when the body had no S3 error XML
  std::string message;     // S3's human-readable message
  std::string request_id;  // <RequestId> or the x-amz-request-id header
  std::string host_id;
};

// Parses an S3 error body (pugixml). Fields the document lacks stay empty; never throws.
S3ErrorDocument ParseS3ErrorDocument(const std::string& body);

// The error of a failed response: the XML body, else (HEAD responses have no body) the
// x-amz-error-code / x-amz-error-message / x-amz-request-id headers.
S3ErrorDocument S3ErrorOf(const net::HttpResponse& response);

// What the failing request was, for the message.
struct S3RequestContext {
  std::string operation;  // "GetObject", "PutObject", ...
  std::string bucket;
  std::string key;            // may be empty (bucket-level operations)
  std::string access_key_id;  // named in credential errors; the secret never is
};

// Classifies a non-2xx response into an ErrorKind and builds the Error.
// 404 -> kNotFound; 412 -> kPrecondition; 401/403 -> kAccessDenied (credential codes get a
// hint naming the access key id); 408, 429, 500, 502, 503, 504, SlowDown, RequestTimeout,
// InternalError -> kTransient; everything else -> kIo.
Error MakeS3Error(const S3RequestContext& context, const net::HttpResponse& response);

// True if an S3 response status/code is worth retrying (see MakeS3Error's kTransient list).
bool IsRetryableS3Failure(long status, const std::string& code);

// True if the answer asks the client to send less: 503 (S3's SlowDown; radosgw and proxies
// answer 503 without a code), 429, or a throttling code (SlowDown, Throttling,
// ThrottlingException, RequestLimitExceeded, TooManyRequests) whatever the status.
bool IsThrottlingS3Failure(long status, const std::string& code);

}  // namespace unpackd::s3
