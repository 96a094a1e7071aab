#include "jobs/job_record.h"

namespace unpackd {

namespace {

constexpr JobState kAllStates[] = {JobState::kQueued, JobState::kRunning, JobState::kDone,
                                   JobState::kFailed, JobState::kRefused};

}  // namespace

const char* JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
    case JobState::kRefused:
      return "refused";
  }
  return "unknown";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (JobState state : kAllStates) {
    if (name == JobStateName(state)) return state;
  }
  return std::nullopt;
}

}  // namespace unpackd
