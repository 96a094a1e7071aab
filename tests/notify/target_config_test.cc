// Target configuration: secrets from the environment or files, the URL policy, and errors that
// name what is wrong without quoting a secret.
#include "notify/target_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "notify/slack_target.h"
#include "support/temp_dir.h"

namespace unpackd::notify {
namespace {

constexpr char kSecret[] = "hmac-secret-value-42";
constexpr char kSlackUrl[] = "https://hooks.slack.com/services/T0001/B0002/s3cr3tT0k3nXYZ";

// Sets an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

TargetConfig Webhook(std::string url) {
  TargetConfig config;
  config.name = "backend";
  config.url = std::move(url);
  config.secret_env = "UNPACKD_TEST_HOOK_SECRET";
  return config;
}

// The message of the Error(kUsage, "notify-config") that resolving `config` throws.
std::string ProblemOf(const TargetConfig& config) {
  try {
    ResolveTarget(config);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_EQ(e.code(), "notify-config");
    return e.what();
  }
  ADD_FAILURE() << "resolved";
  return {};
}

TEST(TargetConfigTest, WebhookSecretComesFromTheEnvironment) {
  ScopedEnv env("UNPACKD_TEST_HOOK_SECRET", kSecret);
  const ResolvedTarget target = ResolveTarget(Webhook("https://api.example.com/hooks/unpackd"));
  EXPECT_EQ(target.secret, kSecret);
  EXPECT_EQ(target.url, "https://api.example.com/hooks/unpackd");
  EXPECT_EQ(target.name, "backend");
}

TEST(TargetConfigTest, SecretAndUrlFilesAreReadWithTheTrailingNewlineTrimmed) {
  ::unpackd::testing::TempDir dir;
  const auto secret_file = dir.path() / "secret";
  const auto url_file = dir.path() / "slack-url";
  std::ofstream(secret_file) << kSecret << "\n";
  std::ofstream(url_file) << kSlackUrl << "\r\n";
  TargetConfig webhook = Webhook("https://api.example.com/h");
  webhook.secret_env.clear();
  webhook.secret_file = secret_file;
  EXPECT_EQ(ResolveTarget(webhook).secret, kSecret);

  TargetConfig slack;
  slack.name = "ops";
  slack.kind = TargetConfig::Kind::kSlack;
  slack.url_file = url_file;
  const ResolvedTarget target = ResolveTarget(slack);
  EXPECT_EQ(target.url, kSlackUrl);
  EXPECT_TRUE(target.secret.empty());
}

TEST(TargetConfigTest, HttpIsAllowedOnlyToLoopbackUnlessExplicitlyAllowed) {
  ScopedEnv env("UNPACKD_TEST_HOOK_SECRET", kSecret);
  for (const char* url : {"http://127.0.0.1:8080/h", "http://127.9.3.1/h", "http://localhost/h",
                          "http://LOCALHOST:1/h", "http://[::1]:9000/h", "HTTPS://a.example/h"}) {
    EXPECT_NO_THROW(ResolveTarget(Webhook(url))) << url;
  }
  for (const char* url :
       {"http://api.example.com/h", "http://127.0.0.1.evil.example/h", "http://10.0.0.1/h",
        "http://[::2]/h", "http://localhost.evil.example/h", "http://127.0.0.1@evil.example/h"}) {
    const std::string problem = ProblemOf(Webhook(url));
    EXPECT_NE(problem.find("not loopback"), std::string::npos) << url << ": " << problem;
  }
  TargetConfig allowed = Webhook("http://api.example.com/h");
  allowed.allow_insecure_http = true;
  EXPECT_NO_THROW(ResolveTarget(allowed));
}

TEST(TargetConfigTest, OtherSchemesAndMalformedUrlsAreRefused) {
  ScopedEnv env("UNPACKD_TEST_HOOK_SECRET", kSecret);
  EXPECT_NE(ProblemOf(Webhook("ftp://a.example/h")).find("not an https:// URL"), std::string::npos);
  EXPECT_NE(ProblemOf(Webhook("file:///etc/passwd")).find("not an https:// URL"),
            std::string::npos);
  EXPECT_NE(ProblemOf(Webhook("https:///path")).find("no host"), std::string::npos);
  EXPECT_NE(ProblemOf(Webhook("https://a.example/a b")).find("space"), std::string::npos);
  EXPECT_NE(ProblemOf(Webhook("")).find("has no URL"), std::string::npos);
}

TEST(TargetConfigTest, ErrorsNameTheTargetButNeverASecretOrASlackPath) {
  {
    // A Slack URL over http to a remote host: refused, named only by scheme and host.
    TargetConfig slack;
    slack.name = "ops";
    slack.kind = TargetConfig::Kind::kSlack;
    slack.url = "http://hooks.slack.com/services/T0001/B0002/s3cr3tT0k3nXYZ";
    const std::string problem = ProblemOf(slack);
    EXPECT_NE(problem.find("'ops'"), std::string::npos) << problem;
    EXPECT_NE(problem.find("http://hooks.slack.com/…"), std::string::npos) << problem;
    EXPECT_EQ(problem.find("s3cr3t"), std::string::npos) << problem;
    EXPECT_EQ(problem.find("T0001"), std::string::npos) << problem;
  }
  {
    // A secret with a URL that fails: the secret was read but is never echoed.
    ScopedEnv env("UNPACKD_TEST_HOOK_SECRET", kSecret);
    const std::string problem = ProblemOf(Webhook("http://user:pw@remote.example/x?token=abc"));
    EXPECT_EQ(problem.find(kSecret), std::string::npos) << problem;
    EXPECT_EQ(problem.find("pw"), std::string::npos) << problem;
    EXPECT_EQ(problem.find("token"), std::string::npos) << problem;
  }
  {
    ScopedEnv env("UNPACKD_TEST_HOOK_SECRET", kSecret);
    TargetConfig twice = Webhook("https://a.example/h");
    twice.secret_file = "/nonexistent";
    const std::string problem = ProblemOf(twice);
    EXPECT_NE(problem.find("more than once"), std::string::npos) << problem;
    EXPECT_EQ(problem.find(kSecret), std::string::npos) << problem;
  }
}

TEST(TargetConfigTest, AWebhookWithoutItsSecretIsRefusedNamingTheVariable) {
  const std::string problem = ProblemOf(Webhook("https://a.example/h"));
  EXPECT_NE(problem.find("UNPACKD_TEST_HOOK_SECRET"), std::string::npos) << problem;
  TargetConfig no_secret = Webhook("https://a.example/h");
  no_secret.secret_env.clear();
  EXPECT_NE(ProblemOf(no_secret).find("UNPACKD_WEBHOOK_SECRET"), std::string::npos);
  TargetConfig missing_file = Webhook("https://a.example/h");
  missing_file.secret_env.clear();
  missing_file.secret_file = "/nonexistent/secret";
  EXPECT_NE(ProblemOf(missing_file).find("cannot read its secret file /nonexistent/secret"),
            std::string::npos);
}

TEST(TargetConfigTest, NotifySpecsParse) {
  const TargetConfig webhook = ParseNotifySpec("webhook=https://api.example.com/h?x=1");
  EXPECT_EQ(webhook.kind, TargetConfig::Kind::kWebhook);
  EXPECT_EQ(webhook.url, "https://api.example.com/h?x=1");
  EXPECT_EQ(webhook.secret_env, "UNPACKD_WEBHOOK_SECRET");
  EXPECT_EQ(webhook.name, "webhook");
  const TargetConfig slack = ParseNotifySpec(std::string("slack=") + kSlackUrl);
  EXPECT_EQ(slack.kind, TargetConfig::Kind::kSlack);
  EXPECT_EQ(slack.url, kSlackUrl);
  for (const std::string& bad : {std::string("slak=") + kSlackUrl, std::string(kSlackUrl),
                                 std::string("webhook="), std::string("")}) {
    try {
      ParseNotifySpec(bad);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "notify-config");
      EXPECT_EQ(std::string(e.what()).find("s3cr3t"), std::string::npos) << e.what();
    }
  }
}

TEST(TargetConfigTest, AwsTargetsNameTheirResourceAndNothingElse) {
  TargetConfig lambda;
  lambda.name = "alerts";
  lambda.kind = TargetConfig::Kind::kLambda;
  lambda.function = "alert-api";
  lambda.region = "eu-west-1";
  lambda.endpoint = "http://127.0.0.1:4566";
  const ResolvedTarget target = ResolveTarget(lambda);
  EXPECT_EQ(target.resource, "alert-api");
  EXPECT_EQ(target.region, "eu-west-1");
  EXPECT_EQ(target.endpoint, "http://127.0.0.1:4566");
  EXPECT_TRUE(IsAwsKind(target.kind));

  TargetConfig sns;
  sns.name = "topic";
  sns.kind = TargetConfig::Kind::kSns;
  sns.topic_arn = "arn:aws:sns:eu-west-1:123456789012:alerts";
  EXPECT_EQ(ResolveTarget(sns).resource, sns.topic_arn);
  TargetConfig bus;
  bus.name = "bus";
  bus.kind = TargetConfig::Kind::kEventBridge;
  EXPECT_EQ(ResolveTarget(bus).resource, "");  // the default bus

  const auto problem = [](TargetConfig config, void (*change)(TargetConfig&)) {
    change(config);
    return ProblemOf(config);
  };
  EXPECT_NE(problem(lambda, [](TargetConfig& c) { c.function.clear(); }).find("has no function"),
            std::string::npos);
  EXPECT_NE(problem(lambda, [](TargetConfig& c) { c.url = "https://x.example"; })
                .find("takes no URL or secret"),
            std::string::npos);
  EXPECT_NE(problem(lambda, [](TargetConfig& c) { c.topic_arn = "arn:aws:sns:x:1:t"; })
                .find("takes no topic_arn"),
            std::string::npos);
  EXPECT_NE(problem(lambda, [](TargetConfig& c) { c.endpoint = "http://lambda.example.com"; })
                .find("is http:// to a host that is not loopback"),
            std::string::npos);
  EXPECT_NE(problem(sns, [](TargetConfig& c) { c.topic_arn = "alerts"; }).find("SNS topic's ARN"),
            std::string::npos);
  EXPECT_NE(problem(lambda, [](TargetConfig& c) { c.function = "a b"; }).find("space"),
            std::string::npos);
  TargetConfig webhook = Webhook("https://a.example/h");
  webhook.region = "eu-west-1";
  EXPECT_NE(ProblemOf(webhook).find("are for AWS targets"), std::string::npos);
}

TEST(TargetConfigTest, AwsNotifySpecsParse) {
  EXPECT_EQ(ParseNotifySpec("lambda=alert-api").function, "alert-api");
  EXPECT_EQ(ParseNotifySpec("lambda=alert-api").kind, TargetConfig::Kind::kLambda);
  EXPECT_EQ(ParseNotifySpec("sns=arn:aws:sns:us-east-1:1:t").topic_arn,
            "arn:aws:sns:us-east-1:1:t");
  EXPECT_EQ(ParseNotifySpec("eventbridge=unpackd").event_bus, "unpackd");
  EXPECT_EQ(ParseNotifySpec("eventbridge=unpackd").name, "eventbridge");
  EXPECT_THROW(ParseNotifySpec("lambda="), Error);
}

TEST(TargetConfigTest, MakeTargetBuildsTheConfiguredKind) {
  net::HttpClient http{net::HttpClientOptions{}};
  ResolvedTarget slack;
  slack.name = "ops";
  slack.kind = TargetConfig::Kind::kSlack;
  slack.url = kSlackUrl;
  slack.timeout = std::chrono::seconds(1);
  const auto target = MakeTarget(slack, http);
  EXPECT_EQ(target->name(), "ops");
  EXPECT_NE(dynamic_cast<SlackTarget*>(target.get()), nullptr);
}

TEST(TargetUrlRedactionTest, KeepsSchemeAndHostOnly) {
  EXPECT_EQ(Redacted(kSlackUrl), "https://hooks.slack.com/…");
  EXPECT_EQ(Redacted("http://user:pw@127.0.0.1:8080/"), "http://127.0.0.1:8080/");
  EXPECT_EQ(Redacted("https://a.example?token=1"), "https://a.example/…");
  EXPECT_EQ(Redacted("https://a.example"), "https://a.example/");
  EXPECT_EQ(Redacted("no scheme"), "(not a URL)");
  EXPECT_EQ(ScrubUrl(std::string("POST ") + kSlackUrl + ": refused", kSlackUrl),
            "POST https://hooks.slack.com/…: refused");
}

}  // namespace
}  // namespace unpackd::notify
