// `unpackd jobs`'s command line, kept apart from RunJobs so that only this file pays for CLI11.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace unpackd {

CLI::App* AddJobsCommand(CLI::App& app, JobsOptions& o) {
  auto* jobs = app.add_subcommand("jobs", "List, show and retry the service's jobs");
  jobs->require_subcommand(1);
  AddStateDirOption(*jobs, o.state_dir);
  jobs->footer(kExitCodeHelp);
  using Action = JobsOptions::Action;
  auto* list = jobs->add_subcommand("list", "One line a job, newest first");
  list->callback([&o] { o.action = Action::kList; });
  AddListOptions(*list, o.state, o.limit, {"queued", "running", "done", "failed", "refused"},
                 "jobs");
  auto* show = jobs->add_subcommand("show", "Everything recorded about one job");
  show->callback([&o] { o.action = Action::kShow; });
  show->add_option("id", o.id, "The job's id")->required();
  auto* retry = jobs->add_subcommand("retry", "Queue a failed or refused job again now");
  retry->callback([&o] { o.action = Action::kRetry; });
  retry->add_option("id", o.id, "The job's id")->required();
  return jobs;
}

}  // namespace unpackd
