#include "serve/service_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace unpackd {

namespace {

// RFC 3339 UTC with milliseconds, the form log pipelines parse without configuration.
std::string NowUtc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
  return text;
}

}  // namespace

void ServiceLog::Write(std::string_view level, std::string_view message,
                       const nlohmann::json& fields) {
  nlohmann::json line = {{"time", NowUtc()}, {"level", level}, {"msg", message}};
  if (fields.is_object()) line.update(fields);
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  MutexLock lock(mutex_);
  out_ << text << '\n' << std::flush;
}

void ServiceLog::Transition(const JobRecord& job, JobState state, const nlohmann::json& fields) {
  nlohmann::json line = {
      {"job_id", job.id},       {"state", JobStateName(state)}, {"bucket", job.request.bucket},
      {"key", job.request.key}, {"etag", job.request.etag},     {"attempt", job.attempts}};
  if (fields.is_object()) line.update(fields);
  Write(state == JobState::kFailed || state == JobState::kRefused ? "warn" : "info",
        std::string("job ") + JobStateName(state), line);
}

}  // namespace unpackd
