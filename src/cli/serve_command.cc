#include <signal.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "serve/service.h"

namespace unpackd {

namespace {

// The signals that stop the service. They are blocked before any thread starts (threads
// inherit the mask), so only the main thread's sigwait ever receives them: no handler runs
// in the middle of a job.
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

int RunServe(const ServeOptions& serve, const CliOptions& options) {
  ServiceConfig config = LoadServiceConfig(serve.config_path);
  if (!serve.state_dir.empty()) config.state_dir = serve.state_dir;
  if (serve.workers > 0) config.workers = serve.workers;
  if (!serve.listen.empty() && config.http) config.http->listen = serve.listen;
  // The embedded default: with no event source configured, watch the local store.
  if (!config.watch_root && !config.http && !config.sqs && !config.amqp) {
    config.watch_root = options.LocalRoot().string();
  }
  ServiceEnvironment environment;
  environment.local_root =
      config.watch_root ? std::filesystem::path(*config.watch_root) : options.LocalRoot();
  environment.s3 = ToS3Config(options, MakeMemoryPlan({}));
  // The file's endpoint is more specific than $AWS_ENDPOINT_URL_S3; --endpoint wins over both.
  if (!config.store_endpoint.empty() && options.endpoint.empty()) {
    environment.s3.endpoint = config.store_endpoint;
  }
  environment.log = &std::cerr;
  // Without an event source over HTTP, --listen places only /healthz, /readyz and /metrics.
  if (!serve.listen.empty()) environment.ops_listen = serve.listen;

  const sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Service service(std::move(config), environment);
  service.Start();
  int signal = 0;
  sigwait(&signals, &signal);
  service.Stop(std::chrono::milliseconds(static_cast<int64_t>(serve.grace_seconds * 1000)));
  return kExitOk;
}

}  // namespace unpackd
