// `unpackd notifications`'s command line, kept apart from RunNotifications so that only this
// file pays for CLI11.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace unpackd {

CLI::App* AddNotificationsCommand(CLI::App& app, NotificationsOptions& o) {
  auto* notifications = app.add_subcommand(
      "notifications", "List the service's notification outbox and retry dead-lettered entries");
  notifications->require_subcommand(1);
  AddStateDirOption(*notifications, o.state_dir);
  notifications->footer(kExitCodeHelp);
  using Action = NotificationsOptions::Action;
  auto* list = notifications->add_subcommand("list", "One line an entry, newest first");
  list->callback([&o] { o.action = Action::kList; });
  AddListOptions(*list, o.state, o.limit, {"pending", "delivered", "dead"}, "entries");
  auto* retry =
      notifications->add_subcommand("retry", "Make a dead-lettered entry pending again, due now");
  retry->callback([&o] { o.action = Action::kRetry; });
  retry->add_option("id", o.id, "The entry's id")->required();
  return notifications;
}

}  // namespace unpackd
