#include "support/aws_notify_double_fixture.h"

#include <httplib.h>

#include <stdexcept>

#include "cloud/aws/static_credentials_provider.h"

namespace unpackd::testing {
namespace {

std::vector<std::string> Command(const AwsNotifyDoubleFixture::Options& options) {
  // Debian's python: the double needs python3-botocore from apt (tests/tools/README.md).
  std::vector<std::string> args = {"/usr/bin/python3",
                                   "-u",
                                   std::string(UNPACKD_TEST_TOOLS_DIR) + "/aws_notify_double.py",
                                   "--region",
                                   AwsNotifyDoubleFixture::kRegion,
                                   "--account",
                                   AwsNotifyDoubleFixture::kAccount,
                                   "--access-key",
                                   AwsNotifyDoubleFixture::kAccessKey,
                                   "--secret-key",
                                   AwsNotifyDoubleFixture::kSecretKey};
  for (const auto& [flag, names] :
       {std::pair{"--function", &options.functions}, std::pair{"--topic", &options.topics},
        std::pair{"--bus", &options.buses}}) {
    for (const std::string& name : *names) {
      args.push_back(flag);
      args.push_back(name);
    }
  }
  return args;
}

}  // namespace

AwsNotifyDoubleFixture::AwsNotifyDoubleFixture(const Options& options)
    : tool_(Command(options), "aws-notify") {}

std::string AwsNotifyDoubleFixture::TopicArn(const std::string& name) {
  return std::string("arn:aws:sns:") + kRegion + ":" + kAccount + ":" + name;
}

std::shared_ptr<aws::CredentialsProvider> AwsNotifyDoubleFixture::Credentials(
    const std::string& secret) {
  aws::AwsCredentials credentials;
  credentials.access_key_id = kAccessKey;
  credentials.secret_access_key = secret;
  credentials.source = "test";
  return std::make_shared<aws::StaticCredentialsProvider>(credentials);
}

void AwsNotifyDoubleFixture::AddFault(const nlohmann::json& fault) const {
  httplib::Client client("127.0.0.1", tool_.port());
  const auto res = client.Post("/_double/faults", fault.dump(), "application/json");
  if (!res || res->status != 200) throw std::runtime_error("the AWS double refused a fault");
}

void AwsNotifyDoubleFixture::FailNext(const std::string& service, int status,
                                      const std::string& code, int count) {
  AddFault({{"service", service}, {"status", status}, {"code", code}, {"count", count}});
}

void AwsNotifyDoubleFixture::FailNextEntry(const std::string& error_code) {
  AddFault({{"service", "events"}, {"entry_error", error_code}, {"count", 1}});
}

nlohmann::json AwsNotifyDoubleFixture::Requests() const {
  httplib::Client client("127.0.0.1", tool_.port());
  const auto res = client.Get("/_double/requests");
  if (!res || res->status != 200) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, false);
}

}  // namespace unpackd::testing
