#include "notify/aws_delivery.h"

namespace unpackd::notify {

net::RetryPolicy SingleAttempt() {
  net::RetryPolicy retry;
  retry.time_budget = std::chrono::milliseconds(0);
  retry.max_attempts = 1;
  return retry;
}

DeliveryResult AwsDeliveryFailure(const Error& error, std::string_view resource,
                                  std::string_view permission) {
  switch (error.kind()) {
    case ErrorKind::kNotFound:
      return DeliveryResult::Gone(std::string(resource) +
                                  " does not exist: create it or reconfigure the target (" +
                                  error.what() + ")");
    case ErrorKind::kAccessDenied:
      return DeliveryResult::Retry("access denied: the credentials need " +
                                   std::string(permission) + " on " + std::string(resource) +
                                   "; deliveries resume once IAM allows it (" + error.what() + ")");
    default:
      return DeliveryResult::Retry(error.what());
  }
}

}  // namespace unpackd::notify
