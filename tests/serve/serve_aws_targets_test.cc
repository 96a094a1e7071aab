// `unpackd serve` notifying AWS: a real serve process whose rule notifies a Lambda function and
// an EventBridge bus, against tests/tools/aws_notify_double.py, a test double of the documented
// Lambda Invoke and EventBridge PutEvents APIs (AWS's endpoints are unreachable here) that
// recomputes every request's SigV4 signature with botocore and refuses mismatches.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/archive_maker.h"
#include "support/aws_notify_double_fixture.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using testing::AwsNotifyDoubleFixture;

TEST(ServeAwsTargetsTest, JobEndsReachLambdaAndEventBridgeSigned) {
  AwsNotifyDoubleFixture aws(AwsNotifyDoubleFixture::Options{});
  testing::TempDir dir;
  const auto root = dir.path() / "store";
  const auto state = dir.path() / "state";
  std::filesystem::create_directories(root / "bkt");
  std::ostringstream toml;
  toml << "state_dir = \"" << state.string() << "\"\nworkers = 1\n"
       << "[sources.watch]\nroot = \"" << root.string() << "\"\n"
       << "[[rules]]\nname = \"default\"\nnotify = [\"alerts\", \"bus\"]\n"
       << "[targets.alerts]\nkind = \"lambda\"\nfunction = "
       << "\"arn:aws:lambda:us-east-1:123456789012:function:alert-api\"\nendpoint = \""
       << aws.endpoint() << "\"\ntimeout_seconds = 5\n"
       << "[targets.bus]\nkind = \"eventbridge\"\nevent_bus = \"unpackd\"\nregion = \""
       << AwsNotifyDoubleFixture::kRegion << "\"\nendpoint = \"" << aws.endpoint() << "\"\n";
  const auto config = dir.path() / "serve.toml";
  std::ofstream(config) << toml.str();
  // The default chain's first source: the environment, as for S3.
  testing::ServeProcess serve(
      root, state, {"--config", config.string()},
      {std::string("AWS_ACCESS_KEY_ID=") + AwsNotifyDoubleFixture::kAccessKey,
       std::string("AWS_SECRET_ACCESS_KEY=") + AwsNotifyDoubleFixture::kSecretKey,
       "AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_CONFIG_FILE=/nonexistent",
       "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"});

  const auto staging = dir.path() / "staging.zip";
  testing::MakeZipWithPython(staging, {{"report.txt", "hello"}});
  std::filesystem::rename(staging, root / "bkt" / "result.zip");
  ASSERT_TRUE(
      testing::WaitFor([&] { return aws.Requests().size() == 2; }, std::chrono::seconds(30)))
      << serve.log() << aws.log();

  nlohmann::json lambda, events;
  for (const nlohmann::json& request : aws.Requests()) {
    (request["service"] == "lambda" ? lambda : events) = request;
  }
  ASSERT_TRUE(lambda.is_object() && events.is_object()) << aws.Requests().dump();
  const nlohmann::json payload = nlohmann::json::parse(lambda["body"].get<std::string>());
  EXPECT_EQ(payload["kind"], "job.succeeded");
  EXPECT_EQ(payload["archive"]["key"], "result.zip");
  const nlohmann::json entry =
      nlohmann::json::parse(events["body"].get<std::string>())["Entries"][0];
  EXPECT_EQ(entry["DetailType"], "Extraction Succeeded");
  EXPECT_EQ(nlohmann::json::parse(entry["Detail"].get<std::string>()), payload);
}

}  // namespace
}  // namespace unpackd
