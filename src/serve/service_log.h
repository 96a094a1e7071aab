// ServiceLog: the service's JSON log, one object per line, so a log pipeline can index it
// without parsing prose. Every job transition is one line carrying the job's id.
//
// Thread safety: every method may be called from any thread; lines never interleave.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "jobs/job_record.h"
#include "util/mutex.h"

namespace unpackd {

class ServiceLog {
 public:
  // Borrows `out`, which must outlive the log.
  explicit ServiceLog(std::ostream& out) : out_(out) {}

  // {"time", "level", "msg", ...fields}.
  void Write(std::string_view level, std::string_view message, const nlohmann::json& fields = {});
  // A job entering `state`: {"msg": "job <state>", "job_id", "bucket", "key", "attempt", ...}.
  void Transition(const JobRecord& job, JobState state, const nlohmann::json& fields = {});

 private:
  Mutex mutex_;
  std::ostream& out_ GUARDED_BY(mutex_);
};

}  // namespace unpackd
