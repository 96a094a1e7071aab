#include "lambda/self_invoke.h"

#include "cloud/aws/lambda_client.h"
#include "util/error.h"

namespace unpackd::lambda {

SelfInvoke::SelfInvoke(std::string function, const aws::AwsClientConfig& client)
    : function_(std::move(function)) {
  if (function_.empty()) {
    throw Error(ErrorKind::kUsage,
                "AWS_LAMBDA_FUNCTION_NAME is not set: continuations are sent to the function "
                "itself",
                "bad-config");
  }
  client_ = std::make_unique<aws::LambdaClient>(client);
}

SelfInvoke::~SelfInvoke() = default;

void SelfInvoke::Send(const Continuation& continuation) {
  client_->InvokeAsync(function_, ContinuationJson(continuation));
}

}  // namespace unpackd::lambda
