#include "support/sqs_double_fixture.h"

#include <httplib.h>

namespace unpackd::testing {
namespace {

std::vector<std::string> Command(const SqsDoubleFixture::Options& options) {
  // Debian's python (tests/tools/README.md), whose python3-botocore checks signatures.
  std::vector<std::string> args = {"/usr/bin/python3",
                                   "-u",
                                   std::string(UNPACKD_TEST_TOOLS_DIR) + "/sqs_double.py",
                                   "--region",
                                   SqsDoubleFixture::kRegion,
                                   "--visibility-timeout",
                                   std::to_string(options.visibility_timeout_seconds)};
  for (const auto& queue : options.queues) {
    args.push_back("--queue");
    args.push_back(queue);
  }
  for (const auto& policy : options.redrive) {
    args.push_back("--redrive");
    args.push_back(policy);
  }
  return args;
}

}  // namespace

SqsDoubleFixture::SqsDoubleFixture(const Options& options) : tool_(Command(options), "sqs") {}

std::string SqsDoubleFixture::QueueUrl(const std::string& name) const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/000000000000/" + name;
}

nlohmann::json SqsDoubleFixture::Snapshot() const {
  httplib::Client client("127.0.0.1", port());
  const auto res = client.Get("/_double/queues");
  if (!res || res->status != 200) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, false);
}

int SqsDoubleFixture::Depth(const std::string& queue) const {
  const nlohmann::json snapshot = Snapshot();
  if (!snapshot.is_object()) return -1;
  return snapshot["queues"][queue]["depth"].get<int>();
}

}  // namespace unpackd::testing
