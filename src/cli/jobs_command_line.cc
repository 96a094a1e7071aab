// `unpackd jobs`'s command line, kept apart from RunJobs so that only this file pays for CLI11.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace unpackd {

CLI::App* AddJobsCommand(CLI::App& app, JobsOptions& o) {
  auto* jobs = app.add_subcommand("jobs", "List, show and retry the service's jobs");
  jobs->require_subcommand(1);
  jobs->add_option("--state-dir", o.state_dir,
                   "The service's state directory (default: $UNPACKD_STATE_DIR, else "
                   "./unpackd-state)");
  jobs->footer(kExitCodeHelp);
  using Action = JobsOptions::Action;
  auto* list = jobs->add_subcommand("list", "One line a job, newest first");
  list->callback([&o] { o.action = Action::kList; });
  list->add_option("--state", o.state, "Only jobs in this state")
      ->check(CLI::IsMember({"queued", "running", "done", "failed", "refused"}));
  list->add_option("--limit", o.limit, "At most this many jobs (default 50)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 40));
  auto* show = jobs->add_subcommand("show", "Everything recorded about one job");
  show->callback([&o] { o.action = Action::kShow; });
  show->add_option("id", o.id, "The job's id")->required();
  auto* retry = jobs->add_subcommand("retry", "Queue a failed or refused job again now");
  retry->callback([&o] { o.action = Action::kRetry; });
  retry->add_option("id", o.id, "The job's id")->required();
  return jobs;
}

}  // namespace unpackd
