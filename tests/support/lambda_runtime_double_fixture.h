// LambdaRuntimeDoubleFixture: tests/tools/lambda_runtime_double.py, a test double of AWS
// Lambda's documented Runtime API and of its Invoke API's asynchronous form (no Lambda service
// can run here), on 127.0.0.1 for one test. The function under test polls it for invocations;
// continuations it sends itself come back as new invocations. Invoke requests must be signed
// (SigV4, checked with botocore) with the key pair S3RVER/S3RVER, as s3rver's.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "support/listening_tool.h"

namespace unpackd::testing {

class LambdaRuntimeDoubleFixture {
 public:
  static constexpr const char* kFunctionName = "unpackd";

  // Throws std::runtime_error with the double's output if it does not start within 10 s.
  explicit LambdaRuntimeDoubleFixture(int timeout_seconds = 60);

  // "127.0.0.1:<port>": AWS_LAMBDA_RUNTIME_API's value.
  std::string address() const;
  // "http://127.0.0.1:<port>": where the Invoke API is (AWS_ENDPOINT_URL_LAMBDA).
  std::string endpoint() const { return "http://" + address(); }

  // Queues an invocation of `event`; returns its request id ("" when the double did not answer).
  std::string Invoke(const std::string& event, int timeout_seconds = 0);
  // The double's view (see the tool's header); null when it does not answer.
  nlohmann::json State() const;
  // Waits until no invocation is queued or running and at least `answered` have ended; returns
  // the state then (null on timeout).
  nlohmann::json WaitUntilIdle(size_t answered, std::chrono::milliseconds timeout) const;
  std::string log() const { return tool_.log(); }

 private:
  ListeningTool tool_;
};

}  // namespace unpackd::testing
