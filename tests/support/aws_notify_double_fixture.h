// AwsNotifyDoubleFixture: tests/tools/aws_notify_double.py, a test double of the documented
// AWS APIs the notification targets call (Lambda Invoke, SNS Publish, EventBridge PutEvents) on
// 127.0.0.1 for one test: AWS's endpoints are unreachable here. It recomputes every request's
// SigV4 signature with botocore (independently of unpackd's signer) and refuses a mismatch with
// 403, so a test passing against it signed right.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloud/aws/aws_credentials.h"
#include "support/listening_tool.h"

namespace unpackd::testing {

class AwsNotifyDoubleFixture {
 public:
  static constexpr const char* kRegion = "us-east-1";
  static constexpr const char* kAccount = "123456789012";
  static constexpr const char* kAccessKey = "AKIDNOTIFYDOUBLE";
  static constexpr const char* kSecretKey = "notify-double-secret";

  struct Options {
    std::vector<std::string> functions = {"alert-api"};
    std::vector<std::string> topics = {"alerts"};  // names; ARNs in kRegion and kAccount
    std::vector<std::string> buses = {"unpackd"};  // "default" always exists
  };

  // Throws std::runtime_error with the double's output if it does not start within 10 s.
  explicit AwsNotifyDoubleFixture(const Options& options);

  // "http://127.0.0.1:<port>": every service's endpoint.
  std::string endpoint() const { return tool_.endpoint(); }
  // arn:aws:sns:us-east-1:123456789012:<name>
  static std::string TopicArn(const std::string& name);
  // The double's key pair; `secret` replaces the secret (a wrong one is refused).
  static std::shared_ptr<aws::CredentialsProvider> Credentials(
      const std::string& secret = kSecretKey);

  // The next `count` requests to `service` ("lambda", "sns", "events") are answered with HTTP
  // `status` and AWS error `code` instead.
  void FailNext(const std::string& service, int status, const std::string& code, int count = 1);
  // The next PutEvents answer is a 200 whose entry failed with `error_code`.
  void FailNextEntry(const std::string& error_code);
  // Every accepted request: [{"service", "target", "body", "headers", "status"}].
  nlohmann::json Requests() const;
  std::string log() const { return tool_.log(); }

 private:
  void AddFault(const nlohmann::json& fault) const;

  ListeningTool tool_;
};

}  // namespace unpackd::testing
