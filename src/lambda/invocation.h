// One Lambda invocation as the Runtime API hands it out, and what the function answers.
#pragma once

#include <chrono>
#include <string>

namespace unpackd::lambda {

struct Invocation {
  std::string request_id;  // Lambda-Runtime-Aws-Request-Id
  // Lambda-Runtime-Deadline-Ms: when Lambda stops the function, whatever it is doing.
  std::chrono::system_clock::time_point deadline;
  std::string function_arn;  // Lambda-Runtime-Invoked-Function-Arn
  std::string trace_id;      // Lambda-Runtime-Trace-Id (X-Ray); may be empty
  std::string body;          // the event, as the invoker sent it
};

// The function's answer to one invocation: a response (the invocation succeeded; an SQS batch
// answers this way even when some of its records failed, naming them in batchItemFailures), or
// an error, which makes Lambda retry an asynchronous invocation and counts as a failure.
struct InvocationReply {
  bool failed = false;
  std::string body;  // the response's JSON; for an error, the errorMessage
  // For an error: the errorType ("ArchiveRefused", "JobFailed", "MalformedEvent", ...).
  std::string error_type;
};

}  // namespace unpackd::lambda
