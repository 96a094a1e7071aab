// How a function's environment sizes unpackd (memory, members in flight, margins) and where
// continuations go when SQS feeds the function (a test double of SQS's documented API, since
// AWS is unreachable here; it checks every request's signature).
#include "lambda/lambda_settings.h"

#include <gtest/gtest.h>

#include <map>

#include "cloud/aws/sqs_client.h"
#include "cloud/aws/static_credentials_provider.h"
#include "lambda/sqs_continuations.h"
#include "support/sqs_double_fixture.h"
#include "util/error.h"

namespace unpackd::lambda {
namespace {

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) {
    const auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  };
}

TEST(LambdaSettingsTest, MemoryAndConcurrencyFollowTheFunctionSize) {
  const LambdaSettings small =
      LoadLambdaSettings(Env({{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"}}));
  EXPECT_EQ(small.function_memory_mib, 512u);
  EXPECT_EQ(small.plan.memory_bytes, uint64_t{384} << 20);  // three quarters
  EXPECT_EQ(small.plan.jobs, 9u);                           // 32 per vCPU, 0.29 vCPU, at least 8

  const LambdaSettings one_cpu =
      LoadLambdaSettings(Env({{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1769"}}));
  EXPECT_EQ(one_cpu.plan.jobs, 32u);
  const LambdaSettings big =
      LoadLambdaSettings(Env({{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "10240"}}));
  EXPECT_EQ(big.plan.jobs, 64u);

  const LambdaSettings overridden =
      LoadLambdaSettings(Env({{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"},
                              {"UNPACKD_MEMORY", "200MiB"},
                              {"UNPACKD_JOBS", "4"}}));
  EXPECT_EQ(overridden.plan.memory_bytes, uint64_t{200} << 20);
  EXPECT_EQ(overridden.plan.jobs, 4u);
}

TEST(LambdaSettingsTest, PathsAndMarginsComeFromTheEnvironment) {
  const LambdaSettings settings = LoadLambdaSettings(Env({{"LAMBDA_TASK_ROOT", "/opt/task"},
                                                          {"UNPACKD_CONFIG", "conf/unpackd.toml"},
                                                          {"AWS_LAMBDA_FUNCTION_NAME", "unzip"}}));
  EXPECT_EQ(settings.config_path, "/opt/task/conf/unpackd.toml");
  EXPECT_EQ(settings.function_name, "unzip");
  EXPECT_EQ(settings.mime_types_path, "/etc/mime.types");  // no packaged copy at /opt/task
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  EXPECT_EQ(SafetyMargin(settings, seconds(900)), seconds(60));
  EXPECT_EQ(SafetyMargin(settings, seconds(100)), seconds(10));
  EXPECT_EQ(SafetyMargin(settings, seconds(3)), seconds(1));
  const LambdaSettings fixed = LoadLambdaSettings(Env({{"UNPACKD_LAMBDA_MARGIN_SECONDS", "30"}}));
  EXPECT_EQ(SafetyMargin(fixed, seconds(900)), seconds(30));
}

TEST(LambdaSettingsTest, ValuesThatDoNotParseAreNamed) {
  for (const auto& [name, value] :
       std::map<std::string, std::string>{{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots"},
                                          {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "64"},
                                          {"UNPACKD_MEMORY", "1MiB"},
                                          {"UNPACKD_JOBS", "0"},
                                          {"UNPACKD_LAMBDA_MAX_INVOCATIONS", "-1"}}) {
    try {
      LoadLambdaSettings(Env({{name, value}}));
      ADD_FAILURE() << name << "=" << value << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
}

TEST(SqsContinuationsTest, AHandOverIsAMessageOnTheFunctionsQueue) {
  testing::SqsDoubleFixture queue({{"uploads"}, {}, 30});
  aws::SqsClientConfig config;
  config.queue_url = queue.QueueUrl("uploads");
  config.fallback_region = testing::SqsDoubleFixture::kRegion;
  aws::AwsCredentials credentials;
  credentials.access_key_id = "S3RVER";
  credentials.secret_access_key = "S3RVER";
  config.credentials = std::make_shared<aws::StaticCredentialsProvider>(credentials);
  SqsContinuations continuations(config);
  Continuation c;
  c.rule = "default";
  c.bucket = "b";
  c.key = "k.zip";
  c.etag = "e";
  c.invocation = 2;
  continuations.Send(c);
  const nlohmann::json snapshot = queue.Snapshot();
  ASSERT_EQ(snapshot["queues"]["uploads"]["messages"].size(), 1u) << snapshot.dump();
  const std::string body = snapshot["queues"]["uploads"]["messages"][0]["body"];
  const std::optional<Continuation> back = ParseContinuation(body);
  ASSERT_TRUE(back.has_value()) << body;
  EXPECT_EQ(back->key, "k.zip");
  EXPECT_EQ(back->invocation, 2);
}

}  // namespace
}  // namespace unpackd::lambda
