// RuntimeApiClient: the Lambda Runtime API (version 2018-06-01) as a custom runtime speaks it
// from inside the function: ask for the next invocation, answer it, or report that the function
// could not start. The API is plain HTTP on the address in AWS_LAMBDA_RUNTIME_API; it is never
// signed and never retried here (Lambda restarts a runtime that cannot reach it).
//
// Thread safety: one caller at a time; the runtime loop is single-threaded by design (Lambda
// hands a runtime one invocation at a time).
#pragma once

#include <memory>
#include <string>

#include "lambda/invocation.h"

namespace unpackd::net {
class HttpClient;
}  // namespace unpackd::net

namespace unpackd::lambda {

// What an error report says: errorType and errorMessage of the documented error document.
struct RuntimeError {
  std::string type;     // "Runtime.ConfigInvalid", "ArchiveRefused", ...
  std::string message;  // one line for CloudWatch; never a secret
};

class RuntimeApiClient {
 public:
  // `address` is AWS_LAMBDA_RUNTIME_API's value: "host:port". Throws Error(kUsage,
  // "bad-config") when it is empty.
  explicit RuntimeApiClient(const std::string& address);
  ~RuntimeApiClient();
  RuntimeApiClient(const RuntimeApiClient&) = delete;
  RuntimeApiClient& operator=(const RuntimeApiClient&) = delete;

  // Blocks (without limit: Lambda freezes the process meanwhile) until the next invocation.
  // Throws Error(kTransient) when the API cannot be reached, kIo when its answer lacks a
  // request id or a deadline.
  Invocation Next();

  // Sends `reply` for the invocation `request_id`: /response or /error. Throws Error(kIo) when
  // the API refuses it (an unknown or already answered request id, a response too large),
  // kTransient when it cannot be reached.
  void Answer(const std::string& request_id, const InvocationReply& reply);

  // Reports that the function cannot start (/init/error); Lambda then fails the invocation
  // that started it and retries with a new runtime. Throws as Answer.
  void ReportInitError(const RuntimeError& error);

 private:
  void Post(const std::string& path, const std::string& body, const std::string& error_type);

  std::string base_url_;  // http://host:port/2018-06-01/runtime
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace unpackd::lambda
