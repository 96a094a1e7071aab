// OutboxMessage and OutboxEntry: one notification as the job store's outbox keeps it, from the
// job's end until its target has it (or gives up on it).
//
// The outbox is what makes notifications durable: a job's final state and the messages about
// it are written in one SQLite transaction (JobStore::MarkDone, MarkRefused, MarkFailed), so a
// crash never leaves a finished job whose notifications are lost, nor a notification about a
// job that did not end. Delivery reads them back later (JobStore::DueNotifications).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace unpackd {

// What a finished job asks to be told, to one target.
struct OutboxMessage {
  // The configured target's name (for example "backend"): stored, listed and printed, so never
  // a secret such as a Slack URL or an HMAC key; the sender looks those up by this name.
  std::string target;
  // Stable per job and kind (the receiver's idempotency key). One entry per (target, event id):
  // the same event recorded again for the same target (a job an operator retried ends again)
  // is not sent twice.
  std::string event_id;
  // The payload as JSON; operators' listings read its "kind" field.
  std::string payload_json;
};

enum class OutboxState {
  kPending,    // not yet delivered; DueNotifications returns it when it is its target's turn
  kDelivered,  // the target accepted it; pruned after a while (JobStore::PruneDelivered)
  kDead,       // given up (too old, refused by the target, target gone); an operator may retry
};

// "pending", "delivered", "dead".
const char* OutboxStateName(OutboxState state);
// The state OutboxStateName gives `name`; nullopt for any other text (operators type these).
std::optional<OutboxState> ParseOutboxState(std::string_view name);

struct OutboxEntry {
  int64_t id = 0;  // increases with insertion: a target's entries are delivered in id order
  int64_t job_id = 0;
  std::string target;
  std::string event_id;
  std::string payload_json;
  OutboxState state = OutboxState::kPending;
  int attempts = 0;             // delivery attempts made (an operator's retry resets it)
  int64_t created_ms = 0;       // unix time, milliseconds: when the job ended
  int64_t updated_ms = 0;       // the last change of state or attempt
  int64_t next_attempt_ms = 0;  // a pending entry is not due before this
  std::string last_error;       // why the last attempt failed, or why it is dead; else empty
};

}  // namespace unpackd
