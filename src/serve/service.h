// Service: `unpackd serve` assembled. Event sources (the local store watcher, the HTTP push
// endpoint, an SQS queue, an AMQP queue) feed one EventIntake, which records jobs in the durable
// JobStore; JobWorkers run them with RunExtractJob on one executor, within one memory budget.
// /healthz, /readyz and /metrics are always served; /readyz lists every bucket a rule names in
// the S3 store (one short request each) when events come from S3 servers.
//
// Lifecycle: construct (opens the job store, queues again what a crashed run left running,
// checks the configuration), Start (binds the HTTP socket, then starts workers and sources),
// Stop (stops intake first, then lets running jobs finish within a grace period, then stops
// delivering notifications: undelivered ones stay in the outbox for the next start).
// A job's end records its notifications in the job store's outbox; a NotificationDispatcher
// delivers them to the targets the configuration names.
//
// Thread safety: Start and Stop from one thread (the one that handles signals).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <ostream>

#include "jobs/job_store.h"
#include "net/http_client.h"
#include "rules/service_config.h"
#include "serve/amqp_source.h"
#include "serve/event_intake.h"
#include "serve/fleet_runner.h"
#include "serve/http_endpoint.h"
#include "serve/job_workers.h"
#include "serve/local_watcher.h"
#include "serve/notification_dispatcher.h"
#include "serve/service_log.h"
#include "serve/service_metrics.h"
#include "serve/sqs_source.h"
#include "store/registry/store_registry.h"
#include "util/executor.h"
#include "util/memory_budget.h"
#include "util/task_group.h"

namespace unpackd {

struct ServiceEnvironment {
  // The local store: the watched root, and where "local" events' archives are read.
  std::filesystem::path local_root;
  s3::S3Config s3;              // the S3 store, for events from S3 servers; SQS credentials
  std::ostream* log = nullptr;  // the JSON log; borrowed
  // Where /healthz, /readyz and /metrics listen when no event source uses HTTP.
  std::string ops_listen = HttpSourceConfig{}.listen;
};

class Service {
 public:
  // Throws Error(kUsage, "bad-config") for a configuration that cannot run, and the job
  // store's Error(kIo) when it cannot be opened (another service holds it, say).
  Service(ServiceConfig config, const ServiceEnvironment& environment);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Throws Error(kIo, "listen-failed") when the HTTP socket cannot be bound.
  void Start();
  int http_port() const { return http_->port(); }

  // Stops intake, lets running jobs finish within `grace`, then cancels them (they resume
  // after a restart). Returns when every task has ended. Idempotent.
  void Stop(std::chrono::milliseconds grace);

 private:
  // The store an event's or a job's object lives in, by where the event came from.
  ObjectStore& StoreFor(const std::string& origin);
  std::string Readiness();

  const ServiceConfig config_;
  const std::filesystem::path local_root_;
  ServiceLog log_;
  ServiceMetrics metrics_;
  const MemoryPlan per_job_;
  Executor executor_;
  MemoryBudget part_buffers_;
  StoreRegistry stores_;
  // The same stores for /readyz, asked once each with short timeouts: a probe must answer
  // while the real requests are still riding out an outage.
  StoreRegistry probes_;
  std::unique_ptr<JobStore> jobs_;
  std::unique_ptr<JobWorkers> workers_;
  std::unique_ptr<EventIntake> intake_;
  std::unique_ptr<LocalWatcher> watcher_;
  std::unique_ptr<HttpEndpoint> http_;
  std::unique_ptr<SqsSource> sqs_;
  std::unique_ptr<AmqpSource> amqp_;
  // Fleet mode (ServiceConfig::fleet): runs the queue sources' messages to their jobs' ends.
  std::unique_ptr<FleetRunner> fleet_;
  // Notification targets' connections, apart from S3's (other hosts, other timeouts).
  std::unique_ptr<net::HttpClient> notify_http_;
  std::unique_ptr<NotificationDispatcher> dispatcher_;
  // The event sources' loops: Stop waits here before anything they use goes.
  TaskGroup sources_;
  // The dispatcher's loop: it outlives the workers, so the last jobs' notifications go out.
  TaskGroup dispatch_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace unpackd
