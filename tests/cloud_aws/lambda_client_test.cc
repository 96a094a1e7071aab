// aws::LambdaClient: its error mapping (pure), and InvokeAsync against
// tests/tools/aws_notify_double.py, a test double of Lambda's documented Invoke API (AWS's
// endpoints are unreachable here) that recomputes every request's SigV4 signature with botocore
// and refuses mismatches with 403.
#include "cloud/aws/lambda_client.h"

#include <gtest/gtest.h>

#include "support/aws_answer.h"
#include "support/aws_notify_double_fixture.h"

namespace unpackd::aws {
namespace {

using testing::AwsNotifyDoubleFixture;

net::HttpResponse Answer(long status, std::string body, std::string error_type = "") {
  return testing::AwsAnswer(status, std::move(body), {{"x-amzn-errortype", error_type}});
}

net::RetryPolicy OneAttempt() {
  net::RetryPolicy retry;
  retry.time_budget = std::chrono::milliseconds(0);
  retry.max_attempts = 1;
  return retry;
}

TEST(LambdaClientErrorsTest, CodesBecomeKinds) {
  struct Case {
    net::HttpResponse response;
    ErrorKind kind;
    std::string code;
  };
  const std::vector<Case> cases = {
      {Answer(404, R"({"Type":"User","Message":"Function not found: arn:x"})",
              "ResourceNotFoundException:http://internal.amazon.com/coral/x/"),
       ErrorKind::kNotFound, "ResourceNotFoundException"},
      {Answer(429, R"({"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"})",
              "TooManyRequestsException"),
       ErrorKind::kTransient, "TooManyRequestsException"},
      {Answer(500, R"({"message":"oops"})", "ServiceException"), ErrorKind::kTransient,
       "ServiceException"},
      {Answer(409, "{}", "ResourceConflictException"), ErrorKind::kTransient,
       "ResourceConflictException"},
      {Answer(403, R"({"message":"not authorized"})", "AccessDeniedException"),
       ErrorKind::kAccessDenied, "AccessDeniedException"},
      {Answer(403, R"({"__type":"InvalidSignatureException","message":"no"})"),
       ErrorKind::kAccessDenied, "InvalidSignatureException"},
      {Answer(413, "{}", "RequestTooLargeException"), ErrorKind::kIo, "RequestTooLargeException"},
      {Answer(502, "<html>bad gateway</html>"), ErrorKind::kTransient, ""},
  };
  for (const Case& c : cases) {
    const Error e = MakeLambdaError("alert-api", c.response, "AKIDEXAMPLE");
    EXPECT_EQ(e.kind(), c.kind) << e.what();
    EXPECT_EQ(e.code(), c.code) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("Lambda Invoke function alert-api failed: HTTP"), std::string::npos);
    EXPECT_NE(what.find("[request id req-1]"), std::string::npos) << what;
    if (c.kind == ErrorKind::kAccessDenied) {
      EXPECT_NE(what.find("AKIDEXAMPLE"), std::string::npos) << what;
    }
  }
}

TEST(LambdaClientConfigTest, DefaultsAndBadEndpoints) {
  LambdaClientConfig config;
  config.credentials = AwsNotifyDoubleFixture::Credentials();
  config.fallback_region = "eu-west-1";
  const LambdaClient client(config);
  EXPECT_EQ(client.region(), "eu-west-1");
  EXPECT_EQ(client.endpoint(), "https://lambda.eu-west-1.amazonaws.com");
  config.region = "ap-south-1";
  EXPECT_EQ(LambdaClient(config).endpoint(), "https://lambda.ap-south-1.amazonaws.com");
  LambdaClientConfig bare;
  bare.credentials = config.credentials;
  EXPECT_EQ(LambdaClient(bare).region(), "us-east-1");
  for (const char* bad : {"ftp://x", "http://user:pw@127.0.0.1:1", "not a url"}) {
    config.endpoint = bad;
    try {
      LambdaClient client(config);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage) << bad;
      EXPECT_EQ(e.code(), "bad-config") << bad;
    }
  }
}

class LambdaClientDoubleTest : public ::testing::Test {
 protected:
  LambdaClientDoubleTest() : double_(AwsNotifyDoubleFixture::Options{}) {}

  LambdaClientConfig Config(const std::string& secret = AwsNotifyDoubleFixture::kSecretKey) {
    LambdaClientConfig config;
    config.endpoint = double_.endpoint();
    config.region = AwsNotifyDoubleFixture::kRegion;
    config.credentials = AwsNotifyDoubleFixture::Credentials(secret);
    config.retry = OneAttempt();
    config.request_timeout = std::chrono::seconds(5);
    return config;
  }

  ErrorKind KindOf(LambdaClient& client, const std::string& function, std::string* code) {
    try {
      client.InvokeAsync(function, R"({"kind":"job.succeeded"})");
    } catch (const Error& e) {
      *code = e.code();
      return e.kind();
    }
    ADD_FAILURE() << "no error for " << function;
    return ErrorKind::kInternal;
  }

  AwsNotifyDoubleFixture double_;
};

TEST_F(LambdaClientDoubleTest, QueuesAnEventForEverySpellingOfTheFunction) {
  LambdaClient client(Config());
  const std::vector<std::string> functions = {
      "alert-api", "alert-api:live", "123456789012:function:alert-api",
      "arn:aws:lambda:us-east-1:123456789012:function:alert-api",
      "arn:aws:lambda:us-east-1:123456789012:function:alert-api:3"};
  for (const std::string& function : functions) {
    EXPECT_NO_THROW(client.InvokeAsync(function, R"({"kind":"job.succeeded","n":1})")) << function;
  }
  const nlohmann::json requests = double_.Requests();
  ASSERT_EQ(requests.size(), functions.size());
  for (const nlohmann::json& request : requests) {
    EXPECT_EQ(request["service"], "lambda");
    EXPECT_EQ(request["status"], 202);
    EXPECT_EQ(request["headers"]["x-amz-invocation-type"], "Event");
    EXPECT_EQ(request["body"], R"({"kind":"job.succeeded","n":1})");
  }
  // The ARN's colons are encoded in the path (and signed encoded once more).
  EXPECT_EQ(requests[3]["target"],
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3A"
            "alert-api/invocations");
}

TEST_F(LambdaClientDoubleTest, WrongSecretIsRefusedWithoutLeakingIt) {
  LambdaClient client(Config("not-the-secret"));
  try {
    client.InvokeAsync("alert-api", "{}");
    FAIL() << "a wrong secret was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied) << e.what();
    EXPECT_EQ(e.code(), "InvalidSignatureException");
    EXPECT_NE(std::string(e.what()).find(AwsNotifyDoubleFixture::kAccessKey), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("not-the-secret"), std::string::npos);
  }
  EXPECT_TRUE(double_.Requests().empty());
}

TEST_F(LambdaClientDoubleTest, MissingFunctionIsNotFound) {
  LambdaClient client(Config());
  std::string code;
  EXPECT_EQ(KindOf(client, "no-such-function", &code), ErrorKind::kNotFound);
  EXPECT_EQ(code, "ResourceNotFoundException");
}

TEST_F(LambdaClientDoubleTest, ThrottlingAndServerErrorsAreTransient) {
  LambdaClient client(Config());
  std::string code;
  double_.FailNext("lambda", 429, "TooManyRequestsException");
  EXPECT_EQ(KindOf(client, "alert-api", &code), ErrorKind::kTransient);
  EXPECT_EQ(code, "TooManyRequestsException");
  double_.FailNext("lambda", 500, "ServiceException");
  EXPECT_EQ(KindOf(client, "alert-api", &code), ErrorKind::kTransient);
  EXPECT_EQ(code, "ServiceException");
  EXPECT_NO_THROW(client.InvokeAsync("alert-api", "{}"));
}

TEST_F(LambdaClientDoubleTest, RetriesRideOutThrottling) {
  LambdaClientConfig config = Config();
  config.retry = net::RetryPolicy{};
  config.retry.base_delay = std::chrono::milliseconds(1);
  config.retry.max_probe_delay = std::chrono::milliseconds(20);
  LambdaClient client(config);
  double_.FailNext("lambda", 429, "TooManyRequestsException", 2);
  EXPECT_NO_THROW(client.InvokeAsync("alert-api", "{}"));
  EXPECT_EQ(double_.Requests().size(), 1u);
}

TEST_F(LambdaClientDoubleTest, UnreachableEndpointIsTransient) {
  LambdaClientConfig config = Config();
  config.endpoint = "http://127.0.0.1:1";
  LambdaClient client(config);
  std::string code;
  EXPECT_EQ(KindOf(client, "alert-api", &code), ErrorKind::kTransient);
}

}  // namespace
}  // namespace unpackd::aws
