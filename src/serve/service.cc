#include "serve/service.h"

#include <map>
#include <optional>
#include <set>
#include <thread>

#include "cloud/aws/sqs_client.h"
#include "notify/http_delivery.h"
#include "notify/target_config.h"
#include "rules/config_values.h"
#include "util/error.h"

namespace unpackd {

namespace {

// The budget all jobs share: below 64 MiB a job could not hold even one part buffer per
// worker and would starve.
uint64_t MemoryBudget(const std::string& text) {
  const std::optional<uint64_t> bytes = ParseByteSize(text);
  if (!bytes || *bytes < (uint64_t{64} << 20)) {
    throw Error(ErrorKind::kUsage,
                "memory \"" + text + "\" is not a size of at least 64MiB (e.g. 512MiB, 2GiB)",
                "bad-config");
  }
  return *bytes;
}

// Events that name objects in S3 servers (every source but the local watcher).
bool EventsFromS3(const ServiceConfig& config) { return config.http || config.sqs || config.amqp; }

MemoryPlan PlanPerJob(const ServiceConfig& config) {
  if (config.workers == 0) {
    throw Error(ErrorKind::kUsage, "workers must be at least 1", "bad-config");
  }
  MemoryPlanRequest request;
  request.memory_bytes = MemoryBudget(config.memory) / config.workers;
  const bool remote = EventsFromS3(config);
  request.remote_store = remote;
  request.remote_destination = remote;
  return MakeMemoryPlan(request);
}

// Threads each lane may need: the plan's per job, times the workers; the service lane runs the
// workers, the sources and the HTTP connections.
ExecutorShape ShapeFor(const MemoryPlan& per_job, const ServiceConfig& config) {
  const ExecutorShape one = per_job.executor_shape();
  constexpr size_t kHttpConnections = 8;
  // The SQS source's receive loop and its visibility heartbeat.
  const size_t sqs = config.sqs ? 2 : 0;
  // The AMQP source's consume loop.
  const size_t amqp = config.amqp ? 1 : 0;
  // The notification dispatcher's loop.
  constexpr size_t kDispatcher = 1;
  // Fleet mode: the queue's jobs run beside the job store's (each source's deliveries, at
  // most `workers` at once), with the same memory plan each.
  const size_t fleet = config.fleet.enabled ? config.workers * (sqs > 0 ? 2 : 1) : 0;
  const size_t jobs = config.workers + fleet;
  return {one.member_threads * jobs, one.io_threads * jobs,
          jobs + 2 + sqs + amqp + kDispatcher + kHttpConnections};
}

// The SQS client shares the S3 store's credentials, CA bundle and patience; its region falls
// back to the S3 store's (AWS_REGION, AWS_DEFAULT_REGION).
aws::SqsClientConfig SqsClientFor(const s3::S3Config& s3) {
  aws::SqsClientConfig client;
  client.fallback_region = s3.region;
  client.credentials = s3.credentials;
  client.profile = s3.profile;
  client.ca_bundle = s3.ca_bundle;
  client.connect_timeout = s3.connect_timeout;
  client.retry = s3.retry;
  return client;
}

s3::S3Config WithConnections(s3::S3Config s3, const MemoryPlan& per_job, size_t workers) {
  s3.max_connections = std::max(s3.max_connections, per_job.max_connections * workers);
  return s3;
}

// One attempt, soon abandoned: /readyz answers within seconds even when S3 does not.
s3::S3Config ForProbes(s3::S3Config s3) {
  s3.retry.time_budget = std::chrono::milliseconds(0);
  s3.retry.max_attempts = 1;
  s3.connect_timeout = std::chrono::milliseconds(2'000);
  s3.stall_timeout = std::chrono::seconds(3);
  s3.max_connections = 2;
  return s3;
}

// Every configured target, its secrets read now: a missing secret stops the start, not the
// first delivery hours later. The AWS targets share the S3 store's credentials, profile, CA
// bundle and region (AWS_REGION), as the SQS source does.
NotificationDispatcher::Targets MakeTargets(const ServiceConfig& config, net::HttpClient& http,
                                            const s3::S3Config& s3) {
  const notify::AwsTargetEnvironment aws{s3.credentials, s3.profile, s3.region, s3.ca_bundle};
  NotificationDispatcher::Targets targets;
  for (const auto& [name, target] : config.targets) {
    targets.emplace(name, notify::MakeTarget(notify::ResolveTarget(target), http, aws));
  }
  return targets;
}

// The buckets a rule names, each once: what an S3 source's jobs will read.
std::set<std::string> NamedBuckets(const ServiceConfig& config) {
  std::set<std::string> buckets;
  for (const Rule& rule : config.rules) {
    buckets.insert(rule.buckets.begin(), rule.buckets.end());
    if (!rule.destination_bucket.empty()) buckets.insert(rule.destination_bucket);
  }
  return buckets;
}

}  // namespace

Service::Service(ServiceConfig config, const ServiceEnvironment& environment)
    : config_(std::move(config)),
      local_root_(environment.local_root),
      log_(*environment.log),
      per_job_(PlanPerJob(config_)),
      executor_(ShapeFor(per_job_, config_)),
      part_buffers_(per_job_.part_buffers * config_.workers),
      stores_(StoreEnvironment{environment.local_root,
                               WithConnections(environment.s3, per_job_, config_.workers),
                               &executor_, &part_buffers_}),
      probes_(StoreEnvironment{environment.local_root, ForProbes(environment.s3), &executor_,
                               &part_buffers_}),
      jobs_(JobStore::Open(config_.state_dir)),
      notify_http_(
          std::make_unique<net::HttpClient>(notify::DeliveryHttpOptions(environment.s3.ca_bundle))),
      sources_(executor_, Lane::kService),
      dispatch_(executor_, Lane::kService) {
  dispatcher_ = std::make_unique<NotificationDispatcher>(
      *jobs_, MakeTargets(config_, *notify_http_, environment.s3),
      DispatchPolicy{config_.notification_max_age, config_.notification_max_retry_interval},
      metrics_, log_);
  workers_ = std::make_unique<JobWorkers>(
      config_, *jobs_,
      [this](const JobRequest& request) -> ObjectStore& { return StoreFor(request.origin); },
      executor_, per_job_, metrics_, log_, [this] { dispatcher_->Wake(); });
  intake_ = std::make_unique<EventIntake>(
      config_, *jobs_,
      [this](const ObjectEvent& event) {
        return StoreFor(event.origin).Stat({event.bucket, event.key});
      },
      metrics_, log_, [this] { workers_->Wake(); });
  if (config_.watch_root) {
    watcher_ = std::make_unique<LocalWatcher>(*config_.watch_root, *intake_, log_);
  }
  if (config_.fleet.enabled) {
    fleet_ = std::make_unique<FleetRunner>(
        config_, stores_.For(StoreScheme::kS3), executor_, per_job_,
        MakeTargets(config_, *notify_http_, environment.s3), metrics_, log_);
  }
  if (config_.sqs && fleet_) {
    sqs_ = std::make_unique<SqsSource>(*config_.sqs, SqsClientFor(environment.s3), *fleet_,
                                       config_.workers, executor_, metrics_, log_);
  } else if (config_.sqs) {
    // Its events name S3 buckets: the intake asks the S3 store about them (StoreFor).
    sqs_ = std::make_unique<SqsSource>(*config_.sqs, SqsClientFor(environment.s3), *intake_,
                                       executor_, metrics_, log_);
  }
  if (config_.amqp && fleet_) {
    AmqpSourceConfig amqp = *config_.amqp;
    // A delivery is held while its job runs: more than the jobs that run at once would wait.
    amqp.prefetch = static_cast<uint16_t>(std::min<size_t>(config_.workers, 65535));
    amqp_ = std::make_unique<AmqpSource>(amqp, *fleet_, executor_, metrics_, log_);
  } else if (config_.amqp) {
    amqp_ = std::make_unique<AmqpSource>(*config_.amqp, *intake_, metrics_, log_);
  }
  const bool events_over_http = config_.http.has_value();
  HttpHandlers handlers;
  handlers.intake = events_over_http ? intake_.get() : nullptr;
  handlers.metrics = [this] {
    std::map<std::string, uint64_t> notifications;
    for (const auto& [state, count] : jobs_->CountNotificationsByState()) {
      notifications[OutboxStateName(state)] = count;
    }
    return metrics_.Render(jobs_->CountByState(), notifications);
  };
  handlers.readiness = [this] { return Readiness(); };
  HttpSourceConfig http = config_.http.value_or(HttpSourceConfig{});
  if (!config_.http) http.listen = environment.ops_listen;
  http_ = std::make_unique<HttpEndpoint>(http, handlers, executor_, log_);
}

Service::~Service() { Stop(std::chrono::milliseconds(0)); }

void Service::Start() {
  http_->Bind();
  started_ = true;
  log_.Write("info", "service started",
             {{"workers", config_.workers},
              {"state_dir", config_.state_dir},
              {"rules", config_.rules.size()},
              {"http_port", http_->port()}});
  workers_->Start(config_.workers);
  dispatch_.Run([this] { dispatcher_->Run(); });
  sources_.Run([this] { http_->Run(); });
  if (watcher_) sources_.Run([this] { watcher_->Run(); });
  if (sqs_) sources_.Run([this] { sqs_->Run(); });
  if (amqp_) sources_.Run([this] { amqp_->Run(); });
}

void Service::Stop(std::chrono::milliseconds grace) {
  if (!started_ || stopped_) return;
  stopped_ = true;
  log_.Write("info", "stopping: no new events; running jobs may finish",
             {{"grace_ms", grace.count()}});
  if (watcher_) watcher_->Stop();
  if (sqs_) sqs_->Stop();
  if (amqp_) amqp_->Stop();  // unacknowledged deliveries go back to the broker
  http_->Stop();
  if (fleet_) {
    // The queue's jobs run in the sources' loops: they get the same grace as the job store's,
    // then stop at a member boundary and go back to the queue.
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (fleet_->running() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    fleet_->Cancel();
  }
  sources_.Wait();  // no source offers an event after this
  workers_->Stop(grace);
  dispatcher_->Stop();
  dispatch_.Wait();
  log_.Write("info", "service stopped");
}

ObjectStore& Service::StoreFor(const std::string& origin) {
  // The watcher's events name the local store; every other source's name S3's.
  return stores_.For(origin == kLocalOrigin ? StoreScheme::kLocal : StoreScheme::kS3);
}

std::string Service::Readiness() {
  std::string problems;
  try {
    jobs_->CountByState();
  } catch (const Error& e) {
    problems += std::string("job store: ") + e.what() + "\n";
  }
  if (config_.watch_root) {
    std::error_code ec;
    if (!std::filesystem::is_directory(*config_.watch_root, ec)) {
      problems += "local store: " + *config_.watch_root + " is not a folder\n";
    }
  }
  if (!EventsFromS3(config_)) return problems;
  for (const std::string& bucket : NamedBuckets(config_)) {
    try {
      probes_.For(StoreScheme::kS3).List(bucket, "", [](const ListEntry&) { return false; });
    } catch (const Error& e) {
      problems += "S3 bucket " + bucket + ": " + e.what() + "\n";
    }
  }
  return problems;
}

}  // namespace unpackd
