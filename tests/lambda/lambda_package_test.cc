// `unpackd lambda` as Lambda runs it: the deployment package scripts/package-lambda.sh builds,
// unzipped into an isolated root (bubblewrap: only the package's files, /proc, /dev, a tmpfs
// /tmp and loopback; no host /usr or /lib), polling a test double of the Lambda Runtime API
// (tests/tools/lambda_runtime_double.py; AWS's endpoints are unreachable here, so the double
// implements the documented API, and checks the SigV4 signature of the function's own Invoke
// calls), reading and writing a real S3 server (s3rver) and notifying a real HTTP receiver.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/command_run.h"
#include "support/file_object.h"
#include "support/http_receiver.h"
#include "support/lambda_runtime_double_fixture.h"
#include "support/s3_serve_harness.h"
#include "support/s3rver_fixture.h"
#include "support/serve_process.h"
#include "support/spawn_process.h"
#include "support/temp_dir.h"

// A package carries the release shape of the binary: sanitizer builds make none
// (tests/CMakeLists.txt), and these tests are not compiled there.
#if !defined(__SANITIZE_ADDRESS__)
namespace unpackd {
namespace {

using testing::MemberMap;
using namespace std::chrono_literals;

constexpr char kBucket[] = "uploads";

// The package, built once per run by the ctest fixture LambdaPackage.Build (tests/CMakeLists.txt).
class LambdaPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::is_regular_file(package_))
        << package_ << " is missing: run the ctest fixture LambdaPackage.Build, or "
        << "scripts/package-lambda.sh --out " << package_;
  }

  void TearDown() override {
    if (function_pid_ > 0) {
      kill(function_pid_, SIGKILL);
      waitpid(function_pid_, nullptr, 0);
    }
  }

  // Starts the packaged function against the double, S3 and the webhook receiver.
  void StartFunction(const std::string& config_toml, int memory_mib = 512) {
    std::vector<std::string> args = {
        std::string(UNPACKD_SOURCE_DIR_PATH) + "/tests/tools/run_lambda_package.sh", package_,
        api_.address()};
    for (const std::string& variable : harness_.ServeEnvironment()) {
      if (!variable.starts_with("HOME=")) args.push_back(variable);
    }
    args.push_back("AWS_ENDPOINT_URL_LAMBDA=" + api_.endpoint());
    args.push_back("AWS_LAMBDA_FUNCTION_NAME=" +
                   std::string(testing::LambdaRuntimeDoubleFixture::kFunctionName));
    args.push_back("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + std::to_string(memory_mib));
    args.push_back("UNPACKD_RETRY_TIME=10");
    args.push_back("HOOK_SECRET=lambda-test-secret");
    args.push_back("UNPACKD_CONFIG_TOML=" + config_toml);
    function_log_ = (scratch_.path() / "function.log").string();
    function_pid_ = testing::SpawnProcess(args, function_log_, function_log_);
  }

  std::string NotifyingConfig() const {
    return "[[rules]]\nname = \"results\"\nbuckets = [\"" + std::string(kBucket) +
           "\"]\nnotify = [\"backend\"]\n\n[targets.backend]\nkind = \"webhook\"\nurl = \"" +
           receiver_.url("/hooks/unpackd") + "\"\nsecret_env = \"HOOK_SECRET\"\n";
  }

  std::string FunctionLog() const { return testing::ReadFileString(function_log_); }

  std::vector<nlohmann::json> Notifications() const {
    std::vector<nlohmann::json> payloads;
    for (const auto& request : receiver_.requests()) {
      payloads.push_back(nlohmann::json::parse(request.body, nullptr, false));
    }
    return payloads;
  }

  static MemberMap Members(int count, const std::string& folder) {
    MemberMap members;
    for (int i = 0; i < count; ++i) {
      members[folder + "/part-" + std::to_string(i) + ".txt"] =
          testing::TextBytes(static_cast<size_t>(200 + (i % 50)), static_cast<uint32_t>(i));
    }
    return members;
  }

  const std::string package_ = UNPACKD_LAMBDA_PACKAGE_PATH;
  testing::TempDir scratch_;
  testing::S3rverFixture s3_{std::vector<std::string>{kBucket}};
  testing::S3ServeHarness harness_{s3_, kBucket, scratch_.path()};
  testing::LambdaRuntimeDoubleFixture api_{60};
  testing::HttpReceiver receiver_{
      [](const testing::ReceivedRequest&) { return testing::ReceiverAnswer(200); }};
  std::string function_log_;
  pid_t function_pid_ = -1;
};

TEST_F(LambdaPackageTest, S3EventExtractsAndNotifiesFromTheIsolatedPackage) {
  const std::string key = "user-1/project-1/result.zip";
  const std::string etag =
      harness_.Upload(key, {{"report.txt", "hello\n"}, {"images/보고서.json", "{\"a\": 1}"}});
  StartFunction(NotifyingConfig());
  ASSERT_FALSE(api_.Invoke(testing::S3EventDocument(kBucket, key, etag)).empty());
  const nlohmann::json state = api_.WaitUntilIdle(1, 60s);
  ASSERT_TRUE(state.is_object()) << api_.log() << FunctionLog();
  const auto& invocation = state["invocations"][0];
  ASSERT_EQ(invocation["status"], "succeeded") << invocation.dump() << FunctionLog();
  EXPECT_TRUE(harness_.Exists("user-1/project-1/result/.unpackd/manifest.json"));
  EXPECT_TRUE(harness_.Exists("user-1/project-1/result/images/보고서.json"));
  ASSERT_TRUE(testing::WaitFor([&] { return !receiver_.requests().empty(); }, 5s));
  const auto notifications = Notifications();
  ASSERT_EQ(notifications.size(), 1u);
  EXPECT_EQ(notifications[0]["kind"], "job.succeeded");
  EXPECT_FALSE(receiver_.requests()[0].Header("unpackd-signature").empty());
  EXPECT_TRUE(state["init_errors"].empty());
}

TEST_F(LambdaPackageTest, SqsBatchNamesOnlyTheBadArchiveInBatchItemFailures) {
  const std::string a = harness_.Upload("a/one.zip", Members(3, "x"));
  const std::string c = harness_.Upload("c/three.zip", Members(4, "y"));
  // Not a zip at all: refused.
  const std::string bad =
      harness_.UploadBytes("b/bad.zip", std::vector<std::byte>(500, std::byte{'x'}));
  StartFunction(NotifyingConfig());
  auto record = [](const std::string& id, const std::string& body) {
    return nlohmann::json{{"messageId", id},
                          {"receiptHandle", "rh-" + id},
                          {"body", body},
                          {"attributes", {{"ApproximateReceiveCount", "1"}}},
                          {"eventSource", "aws:sqs"},
                          {"eventSourceARN", "arn:aws:sqs:us-east-1:123456789012:uploads"},
                          {"awsRegion", "us-east-1"}};
  };
  const nlohmann::json batch = {
      {"Records",
       {record("m-1", testing::S3EventDocument(kBucket, "a/one.zip", a)),
        record("m-2", testing::S3EventDocument(kBucket, "b/bad.zip", bad)),
        record("m-3", testing::S3EventDocument(kBucket, "c/three.zip", c))}}};
  ASSERT_FALSE(api_.Invoke(batch.dump()).empty());
  const nlohmann::json state = api_.WaitUntilIdle(1, 60s);
  ASSERT_TRUE(state.is_object()) << api_.log() << FunctionLog();
  const auto& invocation = state["invocations"][0];
  ASSERT_EQ(invocation["status"], "succeeded") << invocation.dump() << FunctionLog();
  const auto& failures = invocation["response"]["batchItemFailures"];
  ASSERT_EQ(failures.size(), 1u) << invocation.dump();
  EXPECT_EQ(failures[0]["itemIdentifier"], "m-2");
  EXPECT_TRUE(harness_.Exists("a/one/.unpackd/manifest.json"));
  EXPECT_TRUE(harness_.Exists("c/three/.unpackd/manifest.json"));
}

TEST_F(LambdaPackageTest,
       ShortDeadlineCompletesThroughContinuationsWithOneManifestAndNotification) {
  const int members = 1500;
  const std::string key = "big/many.zip";
  const std::string etag = harness_.Upload(key, Members(members, "m"));
  StartFunction(NotifyingConfig());
  // Two seconds an invocation (one of them the safety margin): the archive needs several; each
  // hands over to the next.
  ASSERT_FALSE(api_.Invoke(testing::S3EventDocument(kBucket, key, etag), 2).empty());
  nlohmann::json state;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        state = api_.State();
        if (!state.is_object() || state["pending"] != 0) return false;
        for (const auto& invocation : state["invocations"]) {
          if (invocation["status"] == "running") return false;
        }
        return harness_.Exists("big/many/.unpackd/manifest.json");
      },
      180s))
      << state.dump() << FunctionLog();
  size_t continued = 0;
  for (const auto& invocation : state["invocations"]) {
    EXPECT_EQ(invocation["status"], "succeeded") << invocation.dump();
    continued += invocation["source"] == "invoke";
  }
  EXPECT_GE(continued, 1u) << "the archive fit in one 2 s invocation; make it bigger";
  ASSERT_TRUE(testing::WaitFor([&] { return !receiver_.requests().empty(); }, 5s));
  std::this_thread::sleep_for(500ms);  // a second notification would have come by now
  const auto notifications = Notifications();
  ASSERT_EQ(notifications.size(), 1u);
  EXPECT_EQ(notifications[0]["kind"], "job.succeeded");
  EXPECT_EQ(notifications[0]["result"]["members"], members) << notifications[0].dump();
  EXPECT_TRUE(harness_.Exists("big/many/m/part-1499.txt"));
}

// The Step Functions fan-out as the template deploys it (deploy/aws/template.yaml): its state
// machine's definition, run by tests/tools/stepfunctions_double.py (Step Functions cannot run
// here), drives the packaged function through the Runtime API double. A good archive is
// planned into three shards, each run by its own invocation, committed once and told once; a
// hostile one is refused by the plan, told once, and the execution fails.
TEST_F(LambdaPackageTest, StepFunctionsFanOutRunsTheTemplatesStateMachine) {
  const std::string key = "big/fanned.zip";
  const std::string etag = harness_.Upload(key, Members(60, "m"));
  const std::string bad_key = "bad/escape.zip";
  const std::string bad_etag = harness_.Upload(bad_key, {{"../../escape.txt", "x"}});
  StartFunction(NotifyingConfig() + "\n[fleet]\nmax_shard_members = 20\n");
  const auto execute = [&](const std::string& object_key, const std::string& object_etag) {
    const nlohmann::json event = {
        {"version", "0"},
        {"id", "5f3c1e2a-0000-4000-8000-" + object_etag.substr(0, 12)},
        {"detail-type", "Object Created"},
        {"source", "aws.s3"},
        {"account", "123456789012"},
        {"time", "2026-12-02T00:00:00Z"},
        {"region", "us-east-1"},
        {"resources", {std::string("arn:aws:s3:::") + kBucket}},
        {"detail",
         {{"version", "0"},
          {"bucket", {{"name", kBucket}}},
          {"object", {{"key", object_key}, {"size", 1}, {"etag", object_etag}}},
          {"reason", "PutObject"}}}};
    const auto input = scratch_.path() / "execution-input.json";
    std::ofstream(input) << event.dump();
    return testing::RunCapturing(
        testing::Python() + " " + testing::ToolPath("stepfunctions_double.py") + " --template " +
            std::string(UNPACKD_SOURCE_DIR_PATH) + "/deploy/aws/template.yaml --runtime-api " +
            api_.endpoint() + " --input " + input.string() + " --time-scale 0.01",
        scratch_.path());
  };
  const auto history_of = [](const std::string& out, const std::string& type) {
    size_t count = 0;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      const auto entry = nlohmann::json::parse(line, nullptr, false);
      count += entry.is_object() && entry.value("event", "") == type;
    }
    return count;
  };

  const testing::CommandResult good = execute(key, etag);
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err << FunctionLog();
  EXPECT_EQ(history_of(good.out, "MapIterationSucceeded"), 3u) << good.out;
  EXPECT_TRUE(harness_.Exists("big/fanned/.unpackd/manifest.json"));
  EXPECT_TRUE(harness_.Exists("big/fanned/m/part-59.txt"));
  ASSERT_TRUE(testing::WaitFor([&] { return !receiver_.requests().empty(); }, 5s));
  std::this_thread::sleep_for(500ms);  // a second notification would have come by now
  auto notifications = Notifications();
  ASSERT_EQ(notifications.size(), 1u);
  EXPECT_EQ(notifications[0]["kind"], "job.succeeded");
  EXPECT_EQ(notifications[0]["result"]["members"], 60) << notifications[0].dump();

  const testing::CommandResult bad = execute(bad_key, bad_etag);
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err << FunctionLog();
  EXPECT_EQ(history_of(bad.out, "MapIterationStarted"), 0u) << bad.out;
  EXPECT_FALSE(harness_.Exists("bad/escape/.unpackd/manifest.json"));
  ASSERT_TRUE(testing::WaitFor([&] { return receiver_.requests().size() >= 2; }, 5s));
  std::this_thread::sleep_for(500ms);
  notifications = Notifications();
  ASSERT_EQ(notifications.size(), 2u);
  EXPECT_EQ(notifications[1]["kind"], "archive.refused");
}

TEST_F(LambdaPackageTest, InvalidConfigurationIsReportedThroughTheInitErrorEndpoint) {
  StartFunction("[[rules]]\nname = \"x\"\nsufixes = [\".zip\"]\n");
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        const nlohmann::json state = api_.State();
        return state.is_object() && !state["init_errors"].empty();
      },
      30s))
      << FunctionLog();
  const nlohmann::json state = api_.State();
  const std::string error = state["init_errors"][0].dump();
  EXPECT_NE(error.find("sufixes"), std::string::npos) << error;
  int status = 0;
  ASSERT_TRUE(testing::WaitFor([&] { return waitpid(function_pid_, &status, WNOHANG) > 0; }, 10s));
  function_pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
}

}  // namespace
}  // namespace unpackd
#endif  // !defined(__SANITIZE_ADDRESS__)
