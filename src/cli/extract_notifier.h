// ExtractNotifier: `unpackd extract --notify webhook=URL --notify slack=URL`. The targets are
// resolved (secrets read, URLs checked) before the extraction starts, so a bad --notify is a
// usage error that costs no work; when the job ends, each target gets the notification `serve`
// would send (notify/notification.h), synchronously, retried until --notify-timeout.
//
// Exit codes: the extraction's own code wins; only a successful extraction whose notification
// could not be delivered exits kExitNotifyFailed (README).
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "extract/extract_job.h"
#include "net/http_client.h"
#include "notify/aws_delivery.h"
#include "notify/notification_target.h"
#include "util/error.h"

namespace unpackd {

struct NotifyOptions {
  // "webhook=URL", "slack=URL", "lambda=FUNCTION", "sns=TOPIC_ARN", "eventbridge=BUS"
  // (notify/target_config.h)
  std::vector<std::string> specs;
  double timeout_seconds = 60;  // per target, retries included
};

class ExtractNotifier {
 public:
  // Throws Error(kUsage, "notify-config") for a spec that cannot be used; never names a secret.
  // `aws` is the AWS setup the AWS targets (lambda=, sns=, eventbridge=) sign and connect with;
  // its CA bundle serves the webhook and Slack targets too.
  ExtractNotifier(const NotifyOptions& options, const notify::AwsTargetEnvironment& aws);
  ~ExtractNotifier();
  ExtractNotifier(const ExtractNotifier&) = delete;
  ExtractNotifier& operator=(const ExtractNotifier&) = delete;

  bool empty() const { return targets_.empty(); }

  // Delivers the notification for the job's end to every target; prints one line per target
  // on stderr (unless `quiet`) and returns whether all of them have it. Never throws for a
  // delivery failure.
  bool Succeeded(const ExtractJob& job, const ExtractResult& result, double seconds, bool quiet);
  bool Failed(const ExtractJob& job, const Error& error, double seconds, bool quiet);

  // What happened to each target, for --json: [{"target", "delivered", "detail"}].
  const nlohmann::json& outcomes() const { return outcomes_; }

 private:
  bool DeliverToAll(const struct notify::JobOutcome& outcome, bool quiet);

  std::chrono::milliseconds timeout_;
  std::unique_ptr<net::HttpClient> http_;
  std::vector<std::unique_ptr<notify::NotificationTarget>> targets_;
  nlohmann::json outcomes_ = nlohmann::json::array();
};

}  // namespace unpackd
