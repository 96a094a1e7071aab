#include "cli/extract_notifier.h"

#include <cmath>
#include <iostream>

#include "cli/printable.h"
#include "notify/deliver_now.h"
#include "notify/http_delivery.h"
#include "notify/notification.h"
#include "notify/target_config.h"

namespace unpackd {
namespace {

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ExtractNotifier::ExtractNotifier(const NotifyOptions& options,
                                 const notify::AwsTargetEnvironment& aws)
    : timeout_(static_cast<int64_t>(std::llround(options.timeout_seconds * 1000))) {
  if (options.specs.empty()) return;
  if (!(options.timeout_seconds > 0)) {
    throw Error(ErrorKind::kUsage, "--notify-timeout must be above 0 seconds", "notify-config");
  }
  http_ = std::make_unique<net::HttpClient>(notify::DeliveryHttpOptions(aws.ca_bundle));
  for (const std::string& spec : options.specs) {
    targets_.push_back(
        notify::MakeTarget(notify::ResolveTarget(notify::ParseNotifySpec(spec)), *http_, aws));
  }
}

ExtractNotifier::~ExtractNotifier() = default;

bool ExtractNotifier::Succeeded(const ExtractJob& job, const ExtractResult& result, double seconds,
                                bool quiet) {
  if (targets_.empty()) return true;
  notify::JobOutcome outcome;
  outcome.job = job;
  outcome.result = result;
  outcome.ended_at_ms = UnixMs();
  outcome.duration_seconds = seconds;
  return DeliverToAll(outcome, quiet);
}

bool ExtractNotifier::Failed(const ExtractJob& job, const Error& error, double seconds,
                             bool quiet) {
  if (targets_.empty()) return true;
  notify::JobOutcome outcome;
  outcome.job = job;
  try {
    outcome.identity = notify::IdentifyJob(job, job.pinned_etag, "");
  } catch (const Error&) {
    return false;  // a destination that cannot be expanded: the job never had an identity
  }
  outcome.failure = notify::JobFailure::FromError(error);
  outcome.ended_at_ms = UnixMs();
  outcome.duration_seconds = seconds;
  return DeliverToAll(outcome, quiet);
}

bool ExtractNotifier::DeliverToAll(const notify::JobOutcome& outcome, bool quiet) {
  const notify::Notification notification = notify::BuildNotification(outcome);
  bool all = true;
  for (const auto& target : targets_) {
    const notify::DeliveryResult result = notify::DeliverWithRetries(
        *target, notification, std::chrono::steady_clock::now() + timeout_, nullptr);
    const bool delivered = result.status == notify::DeliveryResult::Status::kDelivered;
    all = all && delivered;
    outcomes_.push_back(
        {{"target", target->name()}, {"delivered", delivered}, {"detail", result.detail}});
    if (quiet) continue;
    if (delivered) {
      std::cerr << "notified " << Printable(target->name()) << " (event " << notification.event_id
                << ")\n";
    } else {
      std::cerr << "error: notification to " << Printable(target->name())
                << " not delivered: " << Printable(result.detail) << "\n";
    }
  }
  return all;
}

}  // namespace unpackd
