// The Slack message for a notification: Block Kit a person reads at a glance (a header saying
// what happened to which archive, the numbers as fields, the reason when it failed or was
// refused, the skipped members), with a plain `text` fallback for notifications and clients
// without blocks.
//
// Slack rejects a message that breaks its limits (docs.slack.dev, Block Kit reference): a header's
// text at most 150 characters, a section's text 3000, at most 10 fields of 2000 each, at most 50
// blocks. Every text here is cut to fit on a character boundary with "…" (lengths counted in
// UTF-16 units, never fewer than characters); names stay UTF-8 as they are.
#pragma once

#include <cstddef>
#include <string>

#include "notify/notification.h"

namespace unpackd::notify {

struct SlackLimits {
  static constexpr size_t kHeaderText = 150;
  static constexpr size_t kSectionText = 3000;
  static constexpr size_t kFields = 10;
  static constexpr size_t kFieldText = 2000;
  static constexpr size_t kBlocks = 50;
  // Not a Block Kit limit: the fallback `text` is kept short because it is what a phone's
  // notification shows.
  static constexpr size_t kFallbackText = 3000;
};

// The JSON body for a Slack incoming webhook, derived from `notification.payload_json` (so a
// notification replayed from an outbox gives the same message). Throws Error(kInternal) when the
// payload is not a document BuildNotification made. Pure; thread-safe.
std::string SlackMessageJson(const Notification& notification);

}  // namespace unpackd::notify
