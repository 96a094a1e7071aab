// LoadServiceConfig: the TOML format, every error path, environment overrides and the
// load-time loop prevention.
#include "rules/service_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "rules/config_values.h"
#include "rules/job_message.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

using Env = std::map<std::string, std::string>;

class ServiceConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = (dir_.path() / "unpackd.toml").string();
    std::ofstream(path) << text;
    return path;
  }

  ServiceConfig Load(const std::string& text, const Env& env = {}) {
    return LoadServiceConfig(text.empty() ? "" : Write(text), Lookup(env));
  }

  static EnvLookup Lookup(const Env& env) {
    return [env](const std::string& name) {
      const auto it = env.find(name);
      return it == env.end() ? std::string() : it->second;
    };
  }

  // The bad-config message, or "" if the configuration loaded.
  std::string Refusal(const std::string& text, const Env& env = {}) {
    try {
      Load(text, env);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
      EXPECT_EQ(e.code(), "bad-config");
      return e.what();
    }
    return "";
  }

  testing::TempDir dir_;
};

TEST_F(ServiceConfigTest, NoFileIsOneDefaultRule) {
  const ServiceConfig config = Load("");
  ASSERT_EQ(config.rules.size(), 1u);
  EXPECT_EQ(config.rules[0].name, "default");
  EXPECT_EQ(config.rules[0].suffixes,
            (std::vector<std::string>{".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz",
                                      ".tar.zst", ".gz"}));
  EXPECT_TRUE(config.rules[0].buckets.empty());
  EXPECT_EQ(config.workers, 4u);
  EXPECT_FALSE(config.http.has_value());
  EXPECT_FALSE(config.watch_root.has_value());
}

TEST_F(ServiceConfigTest, EveryField) {
  const ServiceConfig config = Load(R"(
state_dir = "/var/lib/unpackd"
workers = 8
memory = "2GiB"
store_endpoint = "http://127.0.0.1:7480"

[sources.watch]
root = "/srv/data"

[sources.http]
listen = "0.0.0.0:9000"
path = "/hook"
bearer_token = "t0ken"
hmac_secret = "s3cret"
max_body_bytes = 4096

[sources.sqs]
queue_url = "https://sqs.us-east-1.amazonaws.com/1/q"
endpoint = "https://vpce-1.sqs.us-east-1.vpce.amazonaws.com"
region = "us-east-1"
wait_seconds = 0
max_messages = 5
visibility_timeout_seconds = 300

[sources.amqp]
url = "amqp://localhost:5672/%2f"
queue = "unpackd-in"
exchange = "s3-events"
binding_key = "unpackd.#"
prefetch = 4
heartbeat_seconds = 0

[[rules]]
name = "uploads"
buckets = ["in", "in2"]
prefixes = ["uploads/"]
suffixes = [".zip", ".ZIP"]
destination = "{dir}/{stem}-files/{path}"
destination_bucket = "out"
on_error = "skip"
prune = false
notify = ["slack"]

[rules.limits]
max_members = 10
max_total_bytes = 1000
max_member_bytes = 100
max_member_ratio = 50
max_archive_ratio = 25.5

[[rules]]
name = "second"

[targets.slack]
kind = "slack"
url_env = "SLACK_URL"

[targets.backend]
kind = "webhook"
url = "https://api.example.com/hooks"
secret_file = "/etc/unpackd/hmac"
allow_insecure_http = true
timeout_seconds = 2.5

[notifications]
max_age_seconds = 3600
max_retry_interval_seconds = 60
)");
  ASSERT_EQ(config.targets.size(), 2u);
  const notify::TargetConfig& slack = config.targets.at("slack");
  EXPECT_EQ(slack.name, "slack");
  EXPECT_EQ(slack.kind, notify::TargetConfig::Kind::kSlack);
  EXPECT_EQ(slack.url_env, "SLACK_URL");
  const notify::TargetConfig& backend = config.targets.at("backend");
  EXPECT_EQ(backend.kind, notify::TargetConfig::Kind::kWebhook);
  EXPECT_EQ(backend.url, "https://api.example.com/hooks");
  EXPECT_EQ(backend.secret_file, "/etc/unpackd/hmac");
  EXPECT_TRUE(backend.allow_insecure_http);
  EXPECT_EQ(backend.timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config.notification_max_age, std::chrono::seconds(3600));
  EXPECT_EQ(config.notification_max_retry_interval, std::chrono::seconds(60));
  EXPECT_EQ(config.state_dir, "/var/lib/unpackd");
  EXPECT_EQ(config.workers, 8u);
  EXPECT_EQ(config.memory, "2GiB");
  EXPECT_EQ(config.store_endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(config.watch_root, "/srv/data");
  ASSERT_TRUE(config.http.has_value());
  EXPECT_EQ(config.http->listen, "0.0.0.0:9000");
  EXPECT_EQ(config.http->path, "/hook");
  EXPECT_EQ(config.http->bearer_token, "t0ken");
  EXPECT_EQ(config.http->hmac_secret, "s3cret");
  EXPECT_EQ(config.http->max_body_bytes, 4096u);
  EXPECT_EQ(config.sqs, (SqsSourceConfig{"https://sqs.us-east-1.amazonaws.com/1/q",
                                         "https://vpce-1.sqs.us-east-1.vpce.amazonaws.com",
                                         "us-east-1", 0, 5, 300}));
  ASSERT_TRUE(config.amqp.has_value());
  EXPECT_EQ(config.amqp->url, "amqp://localhost:5672/%2f");
  EXPECT_EQ(config.amqp->queue, "unpackd-in");
  EXPECT_EQ(config.amqp->exchange, "s3-events");
  EXPECT_EQ(config.amqp->binding_key, "unpackd.#");
  EXPECT_EQ(config.amqp->prefetch, 4);
  EXPECT_EQ(config.amqp->heartbeat_seconds, 0);
  ASSERT_EQ(config.rules.size(), 2u);
  const Rule& rule = config.rules[0];
  EXPECT_EQ(rule.name, "uploads");
  EXPECT_EQ(rule.buckets, (std::vector<std::string>{"in", "in2"}));
  EXPECT_EQ(rule.prefixes, std::vector<std::string>{"uploads/"});
  EXPECT_EQ(rule.suffixes, (std::vector<std::string>{".zip", ".ZIP"}));
  EXPECT_EQ(rule.destination_template, "{dir}/{stem}-files/{path}");
  EXPECT_EQ(rule.destination_bucket, "out");
  EXPECT_EQ(rule.on_error, OnErrorPolicy::kSkip);
  EXPECT_FALSE(rule.prune);
  EXPECT_EQ(rule.notify, std::vector<std::string>{"slack"});
  EXPECT_EQ(rule.limits.max_members, 10u);
  EXPECT_EQ(rule.limits.max_total_bytes, 1000u);
  EXPECT_EQ(rule.limits.max_member_bytes, 100u);
  EXPECT_EQ(rule.limits.max_member_ratio, 50);
  EXPECT_EQ(rule.limits.max_archive_ratio, 25.5);
  EXPECT_EQ(config.rules[1].name, "second");
  EXPECT_TRUE(config.rules[1].prune);
}

TEST_F(ServiceConfigTest, NotifyNamesOnlyDefinedTargetsWithPlainNames) {
  EXPECT_NE(Refusal("[[rules]]\nname = \"r\"\nnotify = [\"ops\"]\n")
                .find("notify names target 'ops', which no [targets.ops] table defines"),
            std::string::npos);
  EXPECT_NE(Refusal("[targets.ops]\nurl = \"https://x\"\n").find("needs kind"), std::string::npos);
  EXPECT_NE(Refusal("[targets.ops]\nkind = \"pager\"\n")
                .find("must be \"webhook\", \"slack\", \"lambda\", \"sns\" or \"eventbridge\""),
            std::string::npos);
  EXPECT_NE(Refusal("[targets.ops]\nkind = \"slack\"\nsecret = \"x\"\n")
                .find("unknown key 'targets.ops.secret'"),
            std::string::npos);
  EXPECT_NE(Refusal("[targets.\"a b\"]\nkind = \"slack\"\n").find("a target name is 1 to 64"),
            std::string::npos);
  EXPECT_NE(Refusal("[notifications]\nmax_age_seconds = 0\n").find("max_age_seconds"),
            std::string::npos);
}

TEST_F(ServiceConfigTest, AwsTargetsAreRead) {
  const ServiceConfig config = Load(R"(
[targets.alerts]
kind = "lambda"
function = "arn:aws:lambda:eu-west-1:123456789012:function:alert-api"
timeout_seconds = 3
[targets.topic]
kind = "sns"
topic_arn = "arn:aws:sns:eu-west-1:123456789012:alerts"
region = "eu-west-1"
[targets.bus]
kind = "eventbridge"
event_bus = "unpackd"
endpoint = "http://127.0.0.1:4566"
)");
  ASSERT_EQ(config.targets.size(), 3u);
  const notify::TargetConfig& lambda = config.targets.at("alerts");
  EXPECT_EQ(lambda.kind, notify::TargetConfig::Kind::kLambda);
  EXPECT_EQ(lambda.function, "arn:aws:lambda:eu-west-1:123456789012:function:alert-api");
  EXPECT_EQ(lambda.timeout, std::chrono::seconds(3));
  const notify::TargetConfig& sns = config.targets.at("topic");
  EXPECT_EQ(sns.kind, notify::TargetConfig::Kind::kSns);
  EXPECT_EQ(sns.topic_arn, "arn:aws:sns:eu-west-1:123456789012:alerts");
  EXPECT_EQ(sns.region, "eu-west-1");
  const notify::TargetConfig& bus = config.targets.at("bus");
  EXPECT_EQ(bus.kind, notify::TargetConfig::Kind::kEventBridge);
  EXPECT_EQ(bus.event_bus, "unpackd");
  EXPECT_EQ(bus.endpoint, "http://127.0.0.1:4566");
  EXPECT_NE(Refusal("[targets.a]\nkind = \"lambda\"\nfunction = 3\n")
                .find("targets.a.function must be a string"),
            std::string::npos);
  EXPECT_NE(
      Refusal("[targets.a]\nkind = \"sns\"\ntopic = \"x\"\n").find("unknown key 'targets.a.topic'"),
      std::string::npos);
}

TEST_F(ServiceConfigTest, ErrorsNameFileLineAndWhat) {
  const std::string path = Write("workers = 2\nstate_dr = \"/x\"\n");
  try {
    LoadServiceConfig(path, Lookup({}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ":2: unknown key 'state_dr'");
  }
}

struct BadFile {
  std::string toml, message_part;
};

class BadFileTest : public ServiceConfigTest, public ::testing::WithParamInterface<BadFile> {};

TEST_P(BadFileTest, IsRefused) {
  const std::string message = Refusal(GetParam().toml);
  EXPECT_NE(message.find(GetParam().message_part), std::string::npos) << "message: " << message;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, BadFileTest,
    ::testing::Values(
        BadFile{"workers = ", ":1: "}, BadFile{"workers = 0", ":1: workers must be"},
        BadFile{"workers = \"4\"", "workers must be an integer"},
        BadFile{"memory = \"lots\"", "memory must be a size"},
        BadFile{"state_dir = 5", "state_dir must be a string"},
        BadFile{"[sources]\nftp = {}", ":2: unknown key 'sources.ftp'"},
        BadFile{"[sources.http]\nlisten_on = \"x\"", "unknown key 'sources.http.listen_on'"},
        BadFile{"[sources.http]\nmax_body_bytes = -1", "max_body_bytes must be"},
        BadFile{"[sources.watch]\n", "sources.watch needs root"},
        BadFile{"[sources.sqs]\nurl = \"x\"", "unknown key 'sources.sqs.url'"},
        BadFile{"[sources.sqs]\n", "sources.sqs needs queue_url"},
        BadFile{"[sources.sqs]\nqueue_url = \"q\"\nwait_seconds = 21",
                "sources.sqs.wait_seconds must be an integer from 0 to 20"},
        BadFile{"[sources.sqs]\nqueue_url = \"q\"\nmax_messages = 0",
                "sources.sqs.max_messages must be an integer from 1 to 10"},
        BadFile{"[sources.sqs]\nqueue_url = \"q\"\nvisibility_timeout_seconds = 43201",
                "visibility_timeout_seconds must be an integer from 1 to 43200"},
        BadFile{"[sources.amqp]\nqueue = \"q\"", "sources.amqp needs url"},
        BadFile{"[sources.amqp]\nurl = \"amqp://h\"\nprefetch = 0",
                "sources.amqp.prefetch must be an integer from 1 to 65535"},
        BadFile{"[sources.amqp]\nurl = \"amqp://h\"\nprefetch = 70000", "from 1 to 65535"},
        BadFile{"[sources.amqp]\nurl = \"amqp://h\"\nheartbeat_seconds = -1", "from 0 to"},
        BadFile{"[sources.amqp]\nurl = \"amqp://h\"\nexchnage = \"x\"",
                "unknown key 'sources.amqp.exchnage'"},
        BadFile{"sources = 1", "sources must be a table"},
        BadFile{"rules = 1", "rules must be an array"},
        BadFile{"[[rules]]\nsuffixes = [\".zip\"]", "rules[0] has no name"},
        BadFile{"[[rules]]\nname = \"a\"\nsufixes = [\".zip\"]",
                ":3: unknown key 'rules[0].sufixes'"},
        BadFile{"[[rules]]\nname = \"a\"\nsuffixes = \".zip\"", "must be an array of strings"},
        BadFile{"[[rules]]\nname = \"a\"\nsuffixes = [1]", "rules[0].suffixes items must be"},
        BadFile{"[[rules]]\nname = \"a\"\nsuffixes = []", "suffixes is empty"},
        BadFile{"[[rules]]\nname = \"a\"\nsuffixes = [\"\"]", "a suffix is empty"},
        BadFile{"[[rules]]\nname = \"a\"\non_error = \"ignore\"", "\"fail\" or \"skip\""},
        BadFile{"[[rules]]\nname = \"a\"\nprune = \"yes\"", "prune must be true or false"},
        BadFile{"[[rules]]\nname = \"a\"\ndestination = \"{dir}/{bogus}/{path}\"",
                "unknown placeholder {bogus}"},
        BadFile{"[[rules]]\nname = \"a\"\ndestination = \"{dir}/{stem}\"", "must end with {path}"},
        BadFile{"[[rules]]\nname = \"a\"\n[rules.limits]\nmax_members = 0", "max_members must be"},
        BadFile{"[[rules]]\nname = \"a\"\n[rules.limits]\nmax_member_ratio = -2.0",
                "max_member_ratio must be a number above 0"},
        BadFile{"[[rules]]\nname = \"a\"\n[rules.limits]\nmax_ratio = 2",
                "unknown key 'rules[0].limits.max_ratio'"},
        BadFile{"[[rules]]\nname = \"a\"\n[[rules]]\nname = \"a\"", "rule name 'a' is used twice"},
        BadFile{"[[rules]]\nname = \"in-bound\"\n[[rules]]\nname = \"in_bound\"",
                "share the environment prefix UNPACKD_RULE_IN_BOUND_"}));

TEST_F(ServiceConfigTest, MissingFileIsBadConfig) {
  try {
    LoadServiceConfig((dir_.path() / "absent.toml").string(), Lookup({}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bad-config");
    EXPECT_NE(std::string(e.what()).find("cannot read"), std::string::npos);
  }
}

TEST_F(ServiceConfigTest, EnvironmentOverridesEveryLevel) {
  const ServiceConfig config = Load("workers = 2\n[[rules]]\nname = \"in-bound\"\n",
                                    {{"UNPACKD_STATE_DIR", "/s"},
                                     {"UNPACKD_WORKERS", "16"},
                                     {"UNPACKD_MEMORY", "512MiB"},
                                     {"UNPACKD_STORE_ENDPOINT", "http://e"},
                                     {"UNPACKD_WATCH_ROOT", "/w"},
                                     {"UNPACKD_HTTP_TOKEN", "tok"},
                                     {"UNPACKD_HTTP_HMAC_SECRET", "hm"},
                                     {"UNPACKD_SQS_QUEUE_URL", "https://q"},
                                     {"UNPACKD_AMQP_URL", "amqp://h"},
                                     {"UNPACKD_AMQP_QUEUE", "qq"},
                                     {"UNPACKD_RULE_IN_BOUND_BUCKETS", "a, b"},
                                     {"UNPACKD_RULE_IN_BOUND_PREFIXES", "x/"},
                                     {"UNPACKD_RULE_IN_BOUND_SUFFIXES", ".zip,.jar"},
                                     {"UNPACKD_RULE_IN_BOUND_DESTINATION_BUCKET", "out"},
                                     {"UNPACKD_RULE_IN_BOUND_ON_ERROR", "skip"},
                                     {"UNPACKD_RULE_IN_BOUND_PRUNE", "false"},
                                     {"UNPACKD_RULE_IN_BOUND_MAX_MEMBERS", "7"},
                                     {"UNPACKD_RULE_IN_BOUND_MAX_ARCHIVE_RATIO", "9.5"}});
  EXPECT_EQ(config.state_dir, "/s");
  EXPECT_EQ(config.workers, 16u);
  EXPECT_EQ(config.memory, "512MiB");
  EXPECT_EQ(config.store_endpoint, "http://e");
  EXPECT_EQ(config.watch_root, "/w");
  ASSERT_TRUE(config.http.has_value());
  EXPECT_EQ(config.http->listen, "127.0.0.1:8650");
  EXPECT_EQ(config.http->bearer_token, "tok");
  EXPECT_EQ(config.http->hmac_secret, "hm");
  SqsSourceConfig sqs;  // the other fields' defaults
  sqs.queue_url = "https://q";
  EXPECT_EQ(config.sqs, sqs);
  ASSERT_TRUE(config.amqp.has_value());
  EXPECT_EQ(config.amqp->url, "amqp://h");
  EXPECT_EQ(config.amqp->queue, "qq");
  EXPECT_EQ(config.amqp->exchange, "");
  EXPECT_EQ(config.amqp->prefetch, 16);
  const Rule& rule = config.rules.at(0);
  EXPECT_EQ(rule.buckets, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rule.prefixes, std::vector<std::string>{"x/"});
  EXPECT_EQ(rule.suffixes, (std::vector<std::string>{".zip", ".jar"}));
  EXPECT_EQ(rule.destination_bucket, "out");
  EXPECT_EQ(rule.on_error, OnErrorPolicy::kSkip);
  EXPECT_FALSE(rule.prune);
  EXPECT_EQ(rule.limits.max_members, 7u);
  EXPECT_EQ(rule.limits.max_archive_ratio, 9.5);
}

TEST_F(ServiceConfigTest, SqsEnvironmentOverridesTheFile) {
  const std::string file =
      "[sources.sqs]\nqueue_url = \"https://sqs.eu-west-1.amazonaws.com/1/q\"\n";
  const ServiceConfig config = Load(file, {{"UNPACKD_SQS_ENDPOINT", "http://127.0.0.1:9324"},
                                           {"UNPACKD_SQS_REGION", "eu-west-1"},
                                           {"UNPACKD_SQS_WAIT_SECONDS", "0"},
                                           {"UNPACKD_SQS_MAX_MESSAGES", "3"},
                                           {"UNPACKD_SQS_VISIBILITY_TIMEOUT_SECONDS", "30"}});
  EXPECT_EQ(config.sqs, (SqsSourceConfig{"https://sqs.eu-west-1.amazonaws.com/1/q",
                                         "http://127.0.0.1:9324", "eu-west-1", 0, 3, 30}));
  EXPECT_FALSE(Load("", {}).sqs.has_value());
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"UNPACKD_SQS_MAX_MESSAGES", "11"},
                                                        {"UNPACKD_SQS_WAIT_SECONDS", "-1"},
                                                        {"UNPACKD_SQS_REGION", "eu-west-1"}}) {
    try {
      Load("", {{name, value}});
      ADD_FAILURE() << name << "=" << value << " was accepted without a queue URL or in range";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "bad-config");
      EXPECT_NE(std::string(e.what()).find("UNPACKD_SQS_"), std::string::npos) << e.what();
    }
  }
}

TEST_F(ServiceConfigTest, EnvironmentReachesTheDefaultRule) {
  const ServiceConfig config =
      Load("", {{"UNPACKD_RULE_DEFAULT_SUFFIXES", ".jar"}, {"UNPACKD_HTTP_LISTEN", "0.0.0.0:1"}});
  EXPECT_EQ(config.rules.at(0).suffixes, std::vector<std::string>{".jar"});
  EXPECT_EQ(config.http->listen, "0.0.0.0:1");
  EXPECT_EQ(config.http->path, "/events");
}

TEST_F(ServiceConfigTest, BadEnvironmentValuesNameTheVariable) {
  EXPECT_EQ(Refusal("", {{"UNPACKD_WORKERS", "many"}}),
            "UNPACKD_WORKERS: 'many' is not an integer above 0");
  EXPECT_NE(Refusal("", {{"UNPACKD_RULE_DEFAULT_PRUNE", "maybe"}})
                .find("UNPACKD_RULE_DEFAULT_PRUNE: 'maybe'"),
            std::string::npos);
  EXPECT_NE(Refusal("", {{"UNPACKD_RULE_DEFAULT_ON_ERROR", "ignore"}}).find("fail"),
            std::string::npos);
  EXPECT_NE(Refusal("", {{"UNPACKD_MEMORY", "1 potato"}}).find("UNPACKD_MEMORY"),
            std::string::npos);
  EXPECT_NE(Refusal("", {{"UNPACKD_RULE_DEFAULT_SUFFIXES", " , "}}).find("suffixes is empty"),
            std::string::npos);
  EXPECT_NE(Refusal("", {{"UNPACKD_HTTP_MAX_BODY_BYTES", "0"}}).find("UNPACKD_HTTP_MAX_BODY_BYTES"),
            std::string::npos);
}

TEST_F(ServiceConfigTest, AmqpEnvironmentTurnsTheSourceOnAndNeedsAUrl) {
  const ServiceConfig config = Load("", {{"UNPACKD_AMQP_URL", "amqp://u:p@h:5673/v"},
                                         {"UNPACKD_AMQP_EXCHANGE", "s3-events"},
                                         {"UNPACKD_AMQP_BINDING_KEY", "in"},
                                         {"UNPACKD_AMQP_PREFETCH", "32"},
                                         {"UNPACKD_AMQP_HEARTBEAT_SECONDS", "0"}});
  ASSERT_TRUE(config.amqp.has_value());
  EXPECT_EQ(config.amqp->queue, "unpackd");
  EXPECT_EQ(config.amqp->exchange, "s3-events");
  EXPECT_EQ(config.amqp->binding_key, "in");
  EXPECT_EQ(config.amqp->prefetch, 32);
  EXPECT_EQ(config.amqp->heartbeat_seconds, 0);
  EXPECT_FALSE(Load("").amqp.has_value());
  // The file's url stays when only the queue is overridden.
  const ServiceConfig file =
      Load("[sources.amqp]\nurl = \"amqp://h\"\nprefetch = 3\n", {{"UNPACKD_AMQP_QUEUE", "q2"}});
  EXPECT_EQ(file.amqp->url, "amqp://h");
  EXPECT_EQ(file.amqp->queue, "q2");
  EXPECT_EQ(file.amqp->prefetch, 3);
  EXPECT_NE(Refusal("", {{"UNPACKD_AMQP_QUEUE", "q"}}).find("UNPACKD_AMQP_URL"), std::string::npos);
  EXPECT_NE(Refusal("", {{"UNPACKD_AMQP_URL", "amqp://h"}, {"UNPACKD_AMQP_PREFETCH", "0"}})
                .find("UNPACKD_AMQP_PREFETCH: '0' is not an integer from 1 to 65535"),
            std::string::npos);
  EXPECT_NE(Refusal("", {{"UNPACKD_AMQP_URL", "amqp://h"}, {"UNPACKD_AMQP_PREFETCH", "65536"}})
                .find("UNPACKD_AMQP_PREFETCH"),
            std::string::npos);
}

// Loop prevention at load: a template that names no archive, writing where a rule watches.
TEST_F(ServiceConfigTest, DestinationWithoutArchiveFolderInWatchedPlaceIsRefused) {
  for (const char* destination : {"{dir}/{path}", "{path}", "{dir}/{ext}/{path}", "x/{path}"}) {
    const std::string message =
        Refusal(std::string("[[rules]]\nname = \"r\"\ndestination = \"") + destination + "\"\n");
    EXPECT_NE(message.find("no folder per archive"), std::string::npos) << destination;
    EXPECT_NE(message.find("its own filter"), std::string::npos) << message;
    EXPECT_NE(message.find(":1: rule 'r'"), std::string::npos) << message;
  }
}

TEST_F(ServiceConfigTest, DestinationWithoutArchiveFolderElsewhereIsAccepted) {
  // Another bucket nobody watches.
  EXPECT_EQ(Refusal("[[rules]]\nname = \"r\"\nbuckets = [\"in\"]\ndestination = \"{path}\"\n"
                    "destination_bucket = \"out\"\n"),
            "");
  // The same bucket, but a fixed folder outside the watched prefix.
  EXPECT_EQ(Refusal("[[rules]]\nname = \"r\"\nprefixes = [\"in/\"]\n"
                    "destination = \"out/{dir}/{path}\"\n"),
            "");
}

TEST_F(ServiceConfigTest, DestinationWithoutArchiveFolderInAnotherRulesBucketIsRefused) {
  const std::string message = Refusal(
      "[[rules]]\nname = \"a\"\nbuckets = [\"in\"]\ndestination = \"{path}\"\n"
      "destination_bucket = \"out\"\n[[rules]]\nname = \"b\"\nbuckets = [\"out\"]\n");
  EXPECT_NE(message.find("the filter of rule 'b'"), std::string::npos) << message;
}

TEST_F(ServiceConfigTest, TraceableDestinationsAreAccepted) {
  for (const char* destination : {"{dir}/{stem}/{path}", "{dir}/{name}.d/{path}",
                                  "out/{dir}/x-{stem}/files/{path}", "{stem}/{path}"}) {
    EXPECT_EQ(
        Refusal(std::string("[[rules]]\nname = \"r\"\ndestination = \"") + destination + "\"\n"),
        "")
        << destination;
  }
}

TEST_F(ServiceConfigTest, FleetModeReadsItsTableAndTheEnvironment) {
  const std::string amqp = "[sources.amqp]\nurl = \"amqp://localhost:5672/%2f\"\n";
  EXPECT_FALSE(Load(amqp).fleet.enabled);
  const ServiceConfig config = Load(amqp +
                                    "[fleet]\nenabled = true\nmax_shard_bytes = \"1GiB\"\n"
                                    "max_shard_members = 500\nmax_attempts = 3\n");
  EXPECT_TRUE(config.fleet.enabled);
  EXPECT_EQ(config.fleet.max_shard_bytes, uint64_t{1} << 30);
  EXPECT_EQ(config.fleet.max_shard_members, 500u);
  EXPECT_EQ(config.fleet.max_attempts, 3);
  const ServiceConfig from_env = Load(amqp, {{"UNPACKD_FLEET", "true"},
                                             {"UNPACKD_FLEET_MAX_SHARD_BYTES", "2GiB"},
                                             {"UNPACKD_FLEET_MAX_SHARD_MEMBERS", "7"},
                                             {"UNPACKD_FLEET_MAX_ATTEMPTS", "9"}});
  EXPECT_TRUE(from_env.fleet.enabled);
  EXPECT_EQ(from_env.fleet.max_shard_bytes, uint64_t{2} << 30);
  EXPECT_EQ(from_env.fleet.max_shard_members, 7u);
  EXPECT_EQ(from_env.fleet.max_attempts, 9);
}

TEST_F(ServiceConfigTest, FleetModeWithoutAQueueOrWithBadValuesIsRefused) {
  EXPECT_NE(Refusal("[fleet]\nenabled = true\n").find("needs a queue to share"), std::string::npos);
  const std::string amqp = "[sources.amqp]\nurl = \"amqp://localhost:5672/%2f\"\n";
  EXPECT_NE(Refusal(amqp + "[fleet]\nmax_shard_bytes = \"lots\"\n").find("fleet.max_shard_bytes"),
            std::string::npos);
  EXPECT_NE(Refusal(amqp + "[fleet]\nshards = 3\n").find("shards"), std::string::npos);
  EXPECT_NE(Refusal(amqp, {{"UNPACKD_FLEET_MAX_ATTEMPTS", "0"}}).find("UNPACKD_FLEET_MAX_ATTEMPTS"),
            std::string::npos);
}

TEST(JobMessageTest, RoundTripsAShardAndRefusesABrokenOne) {
  JobMessage job;
  job.rule = "results";
  job.bucket = "b";
  job.key = "u/결과.zip";
  job.etag = "abc-3";
  job.size = 12345;
  job.shard = ShardSpec{2, 5};
  job.attempt = 3;
  job.started_at_ms = 1700000000000;
  const std::optional<JobMessage> parsed = ParseJobMessage(job.ToJson());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->key, job.key);
  EXPECT_EQ(parsed->etag, job.etag);
  EXPECT_EQ(parsed->size, job.size);
  EXPECT_EQ(parsed->shard, job.shard);
  EXPECT_EQ(parsed->attempt, 3);
  EXPECT_EQ(parsed->started_at_ms, job.started_at_ms);
  EXPECT_EQ(parsed->step, JobMessage::Step::kRun);
  EXPECT_FALSE(parsed->defer_commit);

  // The Step Functions fan-out's steps (deploy/aws).
  job.defer_commit = true;
  EXPECT_TRUE(ParseJobMessage(job.ToJson())->defer_commit);
  job.defer_commit = false;
  job.step = JobMessage::Step::kCommit;
  EXPECT_EQ(ParseJobMessage(job.ToJson())->step, JobMessage::Step::kCommit);
  job.step = JobMessage::Step::kFail;
  job.shard.reset();
  nlohmann::json failed = nlohmann::json::parse(job.ToJson());
  failed["error"] = {{"Error", "JobFailed"}, {"Cause", "a shard kept failing"}};
  const std::optional<JobMessage> fail = ParseJobMessage(failed.dump());
  ASSERT_TRUE(fail);
  EXPECT_EQ(fail->step, JobMessage::Step::kFail);
  EXPECT_EQ(fail->error, "JobFailed: a shard kept failing");

  EXPECT_FALSE(ParseJobMessage(R"({"Records": []})"));  // an S3 event: not ours
  EXPECT_FALSE(ParseJobMessage("not json"));
  for (
      const char* broken :
      {R"({"unpackd_job": {"bucket": "b", "key": "k", "etag": "e"}})",
       R"({"unpackd_job": {"rule": "r", "bucket": "b", "key": "k", "etag": "e", "shard": "5/5"}})",
       R"({"unpackd_job": 7})",
       R"({"unpackd_job": {"rule": "r", "bucket": "b", "key": "k", "etag": "e", "step": "x"}})",
       R"({"unpackd_job": {"rule": "r", "bucket": "b", "key": "k", "etag": "e", "step": "commit"}})",
       R"({"unpackd_job": {"rule": "r", "bucket": "b", "key": "k", "etag": "e",
            "defer_commit": true}})"}) {
    try {
      ParseJobMessage(broken);
      ADD_FAILURE() << broken;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "malformed-event") << broken;
    }
  }
}

TEST(ConfigValuesTest, ByteSizesAndLists) {
  EXPECT_EQ(ParseByteSize("1GiB"), uint64_t{1} << 30);
  EXPECT_EQ(ParseByteSize("512M"), uint64_t{512} << 20);
  EXPECT_EQ(ParseByteSize("100"), 100u);
  EXPECT_EQ(ParseByteSize("2kb"), 2048u);
  EXPECT_EQ(ParseByteSize("1PiB"), std::nullopt);
  EXPECT_EQ(ParseByteSize("0"), std::nullopt);
  EXPECT_EQ(ParseByteSize("99999999999T"), std::nullopt);
  EXPECT_EQ(SplitList(" a ,b,, c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(RuleEnvPrefix("in-bound.2"), "UNPACKD_RULE_IN_BOUND_2_");
}

}  // namespace
}  // namespace unpackd
