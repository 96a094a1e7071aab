// Where notifications go, as configured (the service's TOML, or `extract --notify`), and how a
// configuration becomes a NotificationTarget: secrets are read, the URL policy is checked.
// The AWS targets (Lambda, SNS, EventBridge) have no URL or secret of their own: they name a
// resource and sign with the process's AWS credentials (AwsTargetEnvironment).
//
// Secrets (a webhook's HMAC key; a Slack incoming-webhook URL, whose path is its token) come
// from an environment variable or a file, so configuration files can be shared and committed.
// No error, log line or JSON output ever holds a secret or a Slack URL's path: URLs are named
// by Redacted(url) (redacted_url.h), secrets by where they come from.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "net/http_client.h"
#include "notify/aws_delivery.h"
#include "notify/notification_target.h"
#include "notify/redacted_url.h"

namespace unpackd::notify {

// The environment variable `--notify webhook=URL` takes its signing secret from.
inline constexpr const char* kWebhookSecretEnv = "UNPACKD_WEBHOOK_SECRET";

struct TargetConfig {
  std::string name;  // unique among the targets; used in logs and the outbox
  enum class Kind { kWebhook, kSlack, kLambda, kSns, kEventBridge } kind = Kind::kWebhook;
  // The URL (webhook, Slack): exactly one of these. url_env names an environment variable holding
  // it, url_file a file (its trailing newline trimmed). A Slack URL belongs in url_env or url_file.
  std::string url;
  std::string url_env, url_file;
  // The webhook's HMAC key: exactly one of these for a webhook; none for Slack.
  std::string secret_env, secret_file;
  // Allows http:// to hosts other than loopback (127.0.0.0/8, ::1, localhost): the body and its
  // signature then cross the network in clear text.
  bool allow_insecure_http = false;
  std::chrono::milliseconds timeout{10000};  // per request

  // The AWS targets' resource: exactly the one of its kind. `function`: a Lambda function's
  // name, name:qualifier or ARN; `topic_arn`: an SNS topic's ARN; `event_bus`: an EventBridge
  // bus's name or ARN (empty: "default").
  std::string function, topic_arn, event_bus;
  // The AWS targets' signing region. Empty: the resource's ARN's, else AWS_REGION's (the
  // environment), else us-east-1.
  std::string region;
  // The AWS targets' endpoint ("https://host[:port]": a VPC endpoint, LocalStack, a test double).
  // Empty: the service's regional AWS endpoint. The URL policy above applies to it.
  std::string endpoint;
};

// "webhook", "slack", "lambda", "sns" or "eventbridge".
const char* TargetKindName(TargetConfig::Kind kind);

// A configuration with its secrets read and its URL checked: ready for MakeTarget.
struct ResolvedTarget {
  std::string name;
  TargetConfig::Kind kind = TargetConfig::Kind::kWebhook;
  std::string url;     // secret for Slack
  std::string secret;  // the webhook's HMAC key; empty for Slack
  std::chrono::milliseconds timeout{10000};
  // The AWS targets': the function, topic ARN or bus (see TargetConfig), region and endpoint.
  std::string resource, region, endpoint;
};

// Whether targets of `kind` are AWS targets (signed with AWS credentials, no URL or secret).
bool IsAwsKind(TargetConfig::Kind kind);

// Reads `config`'s URL and secret from where it says and checks them: the URL is https://, or
// http:// to a loopback host (any host when allow_insecure_http), with a host and no spaces or
// control characters; a webhook has a non-empty secret. An AWS target has its resource (a topic
// ARN that is an SNS ARN) and neither URL nor secret; its endpoint, when set, is checked as a URL
// is. Reads the process environment and
// files; thread-safe as getenv is. Throws Error(kUsage, code "notify-config") naming the target
// and what is wrong (the variable or file, the redacted URL), never a secret's value or a URL's
// path.
ResolvedTarget ResolveTarget(const TargetConfig& config);

// The target for `spec`, the value of `--notify`: "webhook=URL" (signed with the secret in
// UNPACKD_WEBHOOK_SECRET), "slack=URL", "lambda=FUNCTION", "sns=TOPIC_ARN" or
// "eventbridge=BUS". The target is named after its kind. Throws
// Error(kUsage, "notify-config") for any other shape, without echoing the URL.
TargetConfig ParseNotifySpec(std::string_view spec);

// The NotificationTarget for `target`. `http` is not owned and must outlive the target (the
// webhook and Slack targets use it; the AWS targets have their own clients, set up from `aws`).
// Throws Error(kUsage, "bad-config") for an AWS endpoint the client refuses.
std::unique_ptr<NotificationTarget> MakeTarget(const ResolvedTarget& target, net::HttpClient& http,
                                               const AwsTargetEnvironment& aws = {});

}  // namespace unpackd::notify
