// HttpEndpoint: the service's HTTP face, on one listening socket:
//   POST <path>  S3 event records pushed by radosgw and MinIO (HTTP push / webhook targets);
//                answered 200 only after every job is durable (EventIntake), so a crash never
//                loses an acknowledged event; 400 malformed, 401 unauthenticated, 413 too
//                large, 503 when the job store cannot record (the sender retries).
//   GET /healthz alive;  GET /readyz stores reachable, job store usable;  GET /metrics.
// Authentication, when an event path is served: "Authorization: Bearer <token>", or the same
// token as "?token=" for senders that cannot set headers (radosgw's push endpoint is a URL),
// or "X-Unpackd-Signature: sha256=<hex HMAC-SHA256(secret, body)>". Compared in constant time.
//
// Connections are served on the executor's service lane (cpp-httplib's task queue is
// replaced), so the process has no other threads.
//
// Thread safety: Bind then Run on one thread; Stop from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "rules/service_config.h"
#include "serve/event_intake.h"
#include "serve/service_log.h"
#include "util/executor.h"
#include "util/mutex.h"

namespace httplib {
class Server;
}

namespace unpackd {

struct HttpHandlers {
  EventIntake* intake = nullptr;  // null: no event path (health and metrics only)
  std::function<std::string()> metrics;
  // Empty when ready, else what is not.
  std::function<std::string()> readiness;
};

class HttpEndpoint {
 public:
  // Borrows everything. Throws Error(kUsage, "bad-config") for a malformed listen address or
  // an event path with neither a token nor a secret.
  HttpEndpoint(const HttpSourceConfig& config, HttpHandlers handlers, Executor& executor,
               ServiceLog& log);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // Binds the socket; the bound port is known afterwards (listen port 0 picks a free one).
  // Throws Error(kIo, "listen-failed") naming the address.
  void Bind();
  int port() const { return port_; }
  // Serves until Stop; returns at once if Stop came first.
  void Run();
  // Makes Run return and waits until it has (when it is running). Idempotent.
  void Stop();

 private:
  bool Authorized(const std::string& authorization, const std::string& token_param,
                  const std::string& signature, const std::string& body) const;

  const HttpSourceConfig config_;
  const HttpHandlers handlers_;
  Executor& executor_;
  ServiceLog& log_;
  std::string host_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  Mutex mutex_;
  CondVar run_ended_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool running_ GUARDED_BY(mutex_) = false;
};

}  // namespace unpackd
