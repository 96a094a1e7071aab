#include "serve/http_endpoint.h"

#include <httplib.h>

#include <span>

#include "cloud/aws/hashing.h"
#include "util/error.h"
#include "util/mutex.h"

namespace unpackd {

namespace {

// cpp-httplib's connection tasks, run on the executor's service lane instead of a thread pool
// of its own. shutdown() waits for the tasks already given, as the library expects.
class ExecutorTaskQueue : public httplib::TaskQueue {
 public:
  explicit ExecutorTaskQueue(Executor& executor) : executor_(executor) {}

  void enqueue(std::function<void()> task) override {
    {
      MutexLock lock(mutex_);
      ++pending_;
    }
    executor_.Submit(Lane::kService, [this, task = std::move(task)] {
      task();
      MutexLock lock(mutex_);
      if (--pending_ == 0) drained_.NotifyAll();
    });
  }

  void shutdown() override {
    MutexLock lock(mutex_);
    while (pending_ > 0) drained_.Wait(mutex_);
  }

 private:
  Executor& executor_;
  Mutex mutex_;
  CondVar drained_;
  size_t pending_ GUARDED_BY(mutex_) = 0;
};

// Equal without revealing where two secrets first differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

void Reply(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json");
}

}  // namespace

HttpEndpoint::HttpEndpoint(const HttpSourceConfig& config, HttpHandlers handlers,
                           Executor& executor, ServiceLog& log)
    : config_(config), handlers_(std::move(handlers)), executor_(executor), log_(log) {
  const size_t colon = config_.listen.rfind(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no port");
    host_ = config_.listen.substr(0, colon);
    size_t used = 0;
    port_ = std::stoi(config_.listen.substr(colon + 1), &used);
    if (used != config_.listen.size() - colon - 1 || port_ < 0 || port_ > 65535) {
      throw std::invalid_argument("bad port");
    }
  } catch (const std::exception&) {
    throw Error(ErrorKind::kUsage,
                "listen address \"" + config_.listen + "\" is not host:port (e.g. 127.0.0.1:8650)",
                "bad-config");
  }
  if (host_.starts_with('[') && host_.ends_with(']')) host_ = host_.substr(1, host_.size() - 2);
  if (handlers_.intake != nullptr && config_.bearer_token.empty() && config_.hmac_secret.empty()) {
    throw Error(ErrorKind::kUsage,
                "the event endpoint " + config_.path +
                    " needs a bearer_token or an hmac_secret: anyone who can reach it could "
                    "start extractions",
                "bad-config");
  }
  server_ = std::make_unique<httplib::Server>();
  // The library deletes the queue it is given; it has no other way to take one.
  server_->new_task_queue = [this] {
    return std::make_unique<ExecutorTaskQueue>(executor_).release();
  };
  server_->set_payload_max_length(config_.max_body_bytes);
  server_->set_keep_alive_max_count(100);
  server_->set_read_timeout(30);

  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    const std::string problem = handlers_.readiness ? handlers_.readiness() : "";
    res.status = problem.empty() ? 200 : 503;
    res.set_content(problem.empty() ? "ready\n" : problem + "\n", "text/plain");
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(handlers_.metrics ? handlers_.metrics() : "",
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  if (handlers_.intake == nullptr) return;
  server_->Post(config_.path, [this](const httplib::Request& req, httplib::Response& res) {
    if (!Authorized(req.get_header_value("Authorization"), req.get_param_value("token"),
                    req.get_header_value("X-Unpackd-Signature"), req.body)) {
      handlers_.intake->CountRefusedDelivery("unauthorized");
      log_.Write("warn", "event refused: not authenticated", {{"remote", req.remote_addr}});
      Reply(res, 401, {{"error", "unauthorized"}});
      return;
    }
    try {
      const auto results = handlers_.intake->OfferMessage(req.body, "http");
      size_t queued = 0, duplicate = 0, ignored = 0;
      for (const auto& r : results) {
        if (r.outcome == IntakeOutcome::kQueued)
          ++queued;
        else if (r.outcome == IntakeOutcome::kIgnored)
          ++ignored;
        else
          ++duplicate;
      }
      Reply(res, 200, {{"queued", queued}, {"duplicate", duplicate}, {"ignored", ignored}});
    } catch (const Error& e) {
      // Malformed input will never succeed: 400 tells the sender not to retry. A job store
      // that cannot record is temporary: 503 asks for the delivery again.
      Reply(res, e.kind() == ErrorKind::kUsage ? 400 : 503,
            {{"error", e.code().empty() ? std::string(ErrorKindName(e.kind())) : e.code()},
             {"message", e.what()}});
    }
  });
  server_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413 && handlers_.intake != nullptr) {
      handlers_.intake->CountRefusedDelivery("too-large");
      log_.Write("warn", "event refused: body too large",
                 {{"remote", req.remote_addr}, {"limit", config_.max_body_bytes}});
    }
  });
}

HttpEndpoint::~HttpEndpoint() = default;

void HttpEndpoint::Bind() {
  if (port_ == 0) {
    port_ = server_->bind_to_any_port(host_);
    if (port_ > 0) return;
  } else if (server_->bind_to_port(host_, port_)) {
    return;
  }
  throw Error(ErrorKind::kIo,
              "cannot listen on " + config_.listen + " (in use, or not a local address)",
              "listen-failed");
}

void HttpEndpoint::Run() {
  {
    MutexLock lock(mutex_);
    if (stopping_) return;
    running_ = true;
  }
  log_.Write("info", "listening",
             {{"address", host_ + ":" + std::to_string(port_)},
              {"events", handlers_.intake != nullptr ? config_.path : ""}});
  server_->listen_after_bind();
  MutexLock lock(mutex_);
  running_ = false;
  run_ended_.NotifyAll();
}

void HttpEndpoint::Stop() {
  MutexLock lock(mutex_);
  stopping_ = true;
  // cpp-httplib's stop() does nothing until its loop has begun, which Run may not have reached
  // yet: ask again until it has ended.
  while (running_) {
    server_->stop();
    run_ended_.WaitUntil(mutex_, std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
  }
}

bool HttpEndpoint::Authorized(const std::string& authorization, const std::string& token_param,
                              const std::string& signature, const std::string& body) const {
  if (!config_.bearer_token.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.starts_with(kBearer) &&
        ConstantTimeEquals(std::string_view(authorization).substr(kBearer.size()),
                           config_.bearer_token)) {
      return true;
    }
    if (!token_param.empty() && ConstantTimeEquals(token_param, config_.bearer_token)) return true;
  }
  if (!config_.hmac_secret.empty()) {
    constexpr std::string_view kScheme = "sha256=";
    if (!signature.starts_with(kScheme)) return false;
    const auto key = std::span(reinterpret_cast<const unsigned char*>(config_.hmac_secret.data()),
                               config_.hmac_secret.size());
    const std::string expected = aws::HexEncode(aws::HmacSha256(key, body));
    return ConstantTimeEquals(std::string_view(signature).substr(kScheme.size()), expected);
  }
  return false;
}

}  // namespace unpackd
