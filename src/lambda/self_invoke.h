// SelfInvoke: continuations sent to the function itself as asynchronous invocations (Lambda's
// Invoke API, InvocationType Event). Lambda queues the event durably and retries it on failure,
// so a job handed over is never lost; the function's role needs lambda:InvokeFunction on
// itself (deploy/aws/template.yaml grants it).
#pragma once

#include <memory>
#include <string>

#include "lambda/continuation.h"

namespace unpackd::aws {
class LambdaClient;
struct AwsClientConfig;
}  // namespace unpackd::aws

namespace unpackd::lambda {

class SelfInvoke final : public ContinuationSender {
 public:
  // Invokes `function` (the running function's name: AWS_LAMBDA_FUNCTION_NAME) through a
  // client made from `client`. Throws Error(kUsage, "bad-config") when `function` is empty or
  // the client's endpoint is malformed.
  SelfInvoke(std::string function, const aws::AwsClientConfig& client);
  ~SelfInvoke() override;

  void Send(const Continuation& continuation) override;

 private:
  std::string function_;
  std::unique_ptr<aws::LambdaClient> client_;
};

}  // namespace unpackd::lambda
