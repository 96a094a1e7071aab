#include "jobs/outbox_entry.h"

namespace unpackd {

const char* OutboxStateName(OutboxState state) {
  switch (state) {
    case OutboxState::kPending:
      return "pending";
    case OutboxState::kDelivered:
      return "delivered";
    case OutboxState::kDead:
      return "dead";
  }
  return "unknown";
}

std::optional<OutboxState> ParseOutboxState(std::string_view name) {
  for (OutboxState state : {OutboxState::kPending, OutboxState::kDelivered, OutboxState::kDead}) {
    if (name == OutboxStateName(state)) return state;
  }
  return std::nullopt;
}

}  // namespace unpackd
