// LambdaClient: AWS Lambda's Invoke API, asynchronous invocations only (the "alert-api"
// pattern: hand an event to a function and move on). A POST of the payload to
// /2015-03-31/functions/<function>/invocations with "X-Amz-Invocation-Type: Event", signed with
// SigV4 for service "lambda"; Lambda answers 202 once it queued the event, and runs the function
// later (its own retries and failure destinations then apply, not ours).
//
// Hand-written for the reason SqsClient is (sqs_client.h): one action over the shared signed
// poster (signed_poster.h) is small and testable without the whole AWS SDK.
//
// Thread safety: InvokeAsync may be called from any thread at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "cloud/aws/aws_client_config.h"
#include "cloud/aws/aws_credentials.h"
#include "cloud/aws/signed_poster.h"
#include "net/http_client.h"
#include "net/retry_policy.h"
#include "util/cancellation.h"
#include "util/error.h"

namespace unpackd::aws {

// Where the Invoke API is and how calls sign and retry (aws_client_config.h); an empty endpoint
// is https://lambda.<region>.amazonaws.com.
using LambdaClientConfig = AwsClientConfig;

class LambdaClient {
 public:
  // Throws Error(kUsage, "bad-config") for an endpoint that is not an http(s) URL or holds a
  // user name or password. Makes no request.
  explicit LambdaClient(const LambdaClientConfig& config);
  LambdaClient(const LambdaClient&) = delete;
  LambdaClient& operator=(const LambdaClient&) = delete;

  // Invoke API (POST /2015-03-31/functions/<name>/invocations, X-Amz-Invocation-Type: Event,
  // SigV4 service "lambda"); returns once Lambda queued it (202). `function` is a name
  // ("alert-api"), a name with a version or alias ("alert-api:live"), or a partial or full ARN;
  // it is URI-encoded in the path. `payload` is sent as is (Lambda wants JSON, at most 256 KiB
  // for an asynchronous invocation). Throws Error: kTransient after retries (5xx, 429
  // TooManyRequestsException, network), kAccessDenied (credentials refused, or no
  // lambda:InvokeFunction on the function: the message names the access key id, never the
  // secret), kNotFound (ResourceNotFoundException), kCancelled, kIo otherwise (a rejected
  // payload); code = AWS's short error code. Any 2xx answer counts as queued. The message names the
  // function.
  void InvokeAsync(const std::string& function, const std::string& payload);

  const std::string& region() const { return poster_.region(); }
  const std::string& endpoint() const { return poster_.endpoint(); }

 private:
  SignedPoster poster_;
};

// The Error for a failed Invoke answer: ResourceNotFoundException -> kNotFound,
// ResourceConflictException and ResourceNotReadyException (a function being created or
// updated) -> kTransient, else as CommonAwsErrorKind (aws_error.h). Names `function`. Pure.
Error MakeLambdaError(const std::string& function, const net::HttpResponse& response,
                      const std::string& access_key_id);

}  // namespace unpackd::aws
