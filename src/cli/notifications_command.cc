// `unpackd notifications`: list the service's notification outbox and retry dead-lettered
// entries. Opened like `unpackd jobs` (operator_commands.h): beside a running `unpackd serve`
// reads never block it, and `retry` is one short write it waits out; the service's delivery
// loop sends a retried entry at its next look at the outbox.
#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/operator_commands.h"
#include "cli/printable.h"
#include "jobs/job_store.h"
#include "util/error.h"

namespace unpackd {
namespace {

// What the notification says (the payload's "kind": job succeeded, failed, refused); "-" when
// the payload has none. Read for display only: the service wrote the payload.
std::string Kind(const nlohmann::json& payload) {
  if (payload.is_object()) {
    auto kind = payload.find("kind");
    if (kind != payload.end() && kind->is_string()) return kind->get<std::string>();
  }
  return "-";
}

nlohmann::json EntryJson(const OutboxEntry& e) {
  nlohmann::json payload = JsonOrText(e.payload_json);
  return {{"id", e.id},
          {"job_id", e.job_id},
          {"state", OutboxStateName(e.state)},
          {"target", e.target},
          {"event_id", e.event_id},
          {"kind", Kind(payload)},
          {"attempts", e.attempts},
          {"created_ms", e.created_ms},
          {"updated_ms", e.updated_ms},
          {"next_attempt_ms", e.next_attempt_ms},
          {"last_error", e.last_error},
          {"payload", std::move(payload)}};
}

// One line an entry: id, state, target, kind, job id, attempts, age, last error
// (tab-separated; every text from the store escaped).
void PrintLine(const OutboxEntry& e, int64_t now_ms) {
  const std::string kind = Kind(JsonOrText(e.payload_json));
  std::printf("%lld\t%s\t%s\t%s\t%lld\t%d\t%s\t%s\n", static_cast<long long>(e.id),
              OutboxStateName(e.state), Printable(e.target).c_str(), Printable(kind).c_str(),
              static_cast<long long>(e.job_id), e.attempts, AgeText(e.created_ms, now_ms).c_str(),
              Printable(e.last_error).c_str());
}

OutboxEntry FindEntry(JobStore& store, int64_t id) {
  auto entry = store.GetNotification(id);
  if (!entry) {
    throw Error(ErrorKind::kNotFound, "notification " + std::to_string(id) + ": no such entry",
                "no-such-notification");
  }
  return *entry;
}

}  // namespace

int RunNotifications(const NotificationsOptions& o, const CliOptions& options) {
  const auto store = OpenOperatorStore(o.state_dir);
  const int64_t now_ms = OperatorNowMs();
  if (o.action == NotificationsOptions::Action::kList) {
    const auto entries = store->ListNotifications(ParseOutboxState(o.state), o.limit);
    if (options.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const OutboxEntry& e : entries) out.push_back(EntryJson(e));
      PrintJson({{"notifications", out}});
    } else {
      for (const OutboxEntry& e : entries) PrintLine(e, now_ms);
    }
    return kExitOk;
  }
  if (!store->RetryNotification(o.id, now_ms)) {
    const OutboxEntry entry = FindEntry(*store, o.id);  // throws when there is no such entry
    throw Error(ErrorKind::kUsage,
                "notification " + std::to_string(o.id) + " is " + OutboxStateName(entry.state) +
                    ": only dead notifications can be retried",
                "notification-not-retryable");
  }
  const OutboxEntry entry = FindEntry(*store, o.id);
  if (options.json) {
    PrintJson(EntryJson(entry));
  } else {
    PrintLine(entry, now_ms);
  }
  return kExitOk;
}

}  // namespace unpackd
