#include "serve/service_metrics.h"

#include <sstream>

namespace unpackd {

namespace {

constexpr std::array<JobState, 5> kStates = {JobState::kQueued, JobState::kRunning, JobState::kDone,
                                             JobState::kFailed, JobState::kRefused};

void Describe(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

void CountIn(std::map<std::string, uint64_t, std::less<>>& counts, std::string_view name) {
  auto it = counts.find(name);
  if (it == counts.end()) it = counts.emplace(std::string(name), 0).first;
  ++it->second;
}

}  // namespace

void ServiceMetrics::CountDropped(std::string_view reason) {
  MutexLock lock(mutex_);
  CountIn(dropped_, reason);
}

void ServiceMetrics::CountQueued() {
  MutexLock lock(mutex_);
  ++queued_;
}

void ServiceMetrics::CountDelivery(std::string_view source, std::string_view outcome) {
  MutexLock lock(mutex_);
  ++deliveries_[{std::string(source), std::string(outcome)}];
}

void ServiceMetrics::CountNotification(std::string_view target, std::string_view outcome) {
  MutexLock lock(mutex_);
  ++notifications_[{std::string(target), std::string(outcome)}];
}

void ServiceMetrics::SetSourceConnected(std::string_view source, bool connected) {
  MutexLock lock(mutex_);
  connected_[std::string(source)] = connected;
}

void ServiceMetrics::CountJobEnded(JobState state, double seconds, uint64_t members,
                                   uint64_t bytes) {
  MutexLock lock(mutex_);
  ++ended_[state];
  members_ += members;
  bytes_ += bytes;
  for (size_t i = 0; i < kDurationBounds.size(); ++i) {
    if (seconds <= kDurationBounds[i]) ++duration_buckets_[i];
  }
  ++duration_count_;
  duration_sum_ += seconds;
}

std::string ServiceMetrics::Render(
    const std::map<JobState, uint64_t>& jobs_by_state,
    const std::map<std::string, uint64_t>& notifications_by_state) const {
  std::ostringstream out;
  Describe(out, "unpackd_jobs", "gauge", "Jobs in the job store, by state.");
  for (JobState state : kStates) {
    const auto it = jobs_by_state.find(state);
    out << "unpackd_jobs{state=\"" << JobStateName(state) << "\"} "
        << (it == jobs_by_state.end() ? 0 : it->second) << '\n';
  }
  Describe(out, "unpackd_queue_depth", "gauge", "Jobs waiting for a worker.");
  const auto queued = jobs_by_state.find(JobState::kQueued);
  out << "unpackd_queue_depth " << (queued == jobs_by_state.end() ? 0 : queued->second) << '\n';
  Describe(out, "unpackd_notifications", "gauge",
           "Notifications in the outbox, by state (dead: dead-lettered, see `unpackd "
           "notifications list`).");
  for (const auto& [state, count] : notifications_by_state) {
    out << "unpackd_notifications{state=\"" << state << "\"} " << count << '\n';
  }

  MutexLock lock(mutex_);
  if (!notifications_.empty()) {
    Describe(out, "unpackd_notification_attempts_total", "counter",
             "Notification delivery attempts by target and outcome.");
    for (const auto& [key, count] : notifications_) {
      out << "unpackd_notification_attempts_total{target=\"" << key.first << "\",outcome=\""
          << key.second << "\"} " << count << '\n';
    }
  }
  Describe(out, "unpackd_events_queued_total", "counter", "Events that became a new job.");
  out << "unpackd_events_queued_total " << queued_ << '\n';
  Describe(out, "unpackd_events_dropped_total", "counter",
           "Events that started no job, by reason.");
  for (const auto& [reason, count] : dropped_) {
    out << "unpackd_events_dropped_total{reason=\"" << reason << "\"} " << count << '\n';
  }
  if (!connected_.empty()) {
    Describe(out, "unpackd_source_connected", "gauge",
             "1 while a queue source reaches its broker or queue.");
    for (const auto& [source, connected] : connected_) {
      out << "unpackd_source_connected{source=\"" << source << "\"} " << (connected ? 1 : 0)
          << '\n';
    }
  }
  if (!deliveries_.empty()) {
    Describe(out, "unpackd_source_deliveries_total", "counter",
             "Queue deliveries by what was done with them.");
    for (const auto& [key, count] : deliveries_) {
      out << "unpackd_source_deliveries_total{source=\"" << key.first << "\",outcome=\""
          << key.second << "\"} " << count << '\n';
    }
  }
  Describe(out, "unpackd_job_runs_total", "counter",
           "Job runs by how they ended (failed: including runs queued again to retry).");
  for (JobState state : kStates) {
    const auto it = ended_.find(state);
    if (it != ended_.end()) {
      out << "unpackd_job_runs_total{state=\"" << JobStateName(state) << "\"} " << it->second
          << '\n';
    }
  }
  Describe(out, "unpackd_members_extracted_total", "counter", "Members written by jobs.");
  out << "unpackd_members_extracted_total " << members_ << '\n';
  Describe(out, "unpackd_bytes_extracted_total", "counter", "Uncompressed bytes written.");
  out << "unpackd_bytes_extracted_total " << bytes_ << '\n';
  Describe(out, "unpackd_job_duration_seconds", "histogram", "Wall time of job runs.");
  for (size_t i = 0; i < kDurationBounds.size(); ++i) {
    out << "unpackd_job_duration_seconds_bucket{le=\"" << kDurationBounds[i] << "\"} "
        << duration_buckets_[i] << '\n';
  }
  out << "unpackd_job_duration_seconds_bucket{le=\"+Inf\"} " << duration_count_ << '\n';
  out << "unpackd_job_duration_seconds_sum " << duration_sum_ << '\n';
  out << "unpackd_job_duration_seconds_count " << duration_count_ << '\n';
  return out.str();
}

}  // namespace unpackd
