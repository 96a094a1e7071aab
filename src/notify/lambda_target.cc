#include "notify/lambda_target.h"

#include "notify/aws_delivery.h"

namespace unpackd::notify {

LambdaTarget::LambdaTarget(LambdaTargetOptions options)
    : options_(std::move(options)), client_(options_.client) {}

DeliveryResult LambdaTarget::Deliver(const Notification& n) {
  try {
    client_.InvokeAsync(options_.function, n.payload_json);
    return DeliveryResult::Delivered("Lambda queued the invocation of " + options_.function);
  } catch (const Error& e) {
    return AwsDeliveryFailure(e, "Lambda function '" + options_.function + "'",
                              "lambda:InvokeFunction");
  }
}

}  // namespace unpackd::notify
