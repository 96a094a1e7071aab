// LoopbackHttpServer: a tiny HTTP/1.1 server on 127.0.0.1 for tests that need a real peer
// with scripted answers and faults (credential endpoints, throttling, connection resets,
// bodies that break off). Only plain sockets and threads; no dependency beyond libc.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace unpackd::testing {

struct LoopbackRequest {
  std::string method;
  std::string target;                          // path and query as sent ("/b/k?uploads=")
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct LoopbackResponse {
  enum class Fault {
    kNone,
    kReset,         // reset the connection (RST) instead of answering
    kTruncateBody,  // announce the full Content-Length, send `truncate_at` bytes, close
    kStallBody,     // send `truncate_at` bytes, then go silent until the server stops
  };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Fault fault = Fault::kNone;
  size_t truncate_at = 0;
};

class LoopbackHttpServer {
 public:
  // `handler` is called for every request, possibly from several threads at once. `port` 0: the
  // kernel picks one; else that port (a peer that comes back up where it was: FreeLoopbackPort).
  explicit LoopbackHttpServer(std::function<LoopbackResponse(const LoopbackRequest&)> handler,
                              int port = 0);
  // Closes every connection and joins every thread.
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string url() const;
  // Number of requests handled so far.
  int request_count() const { return requests_.load(); }

 private:
  void AcceptLoop();
  void Serve(int fd);

  std::function<LoopbackResponse(const LoopbackRequest&)> handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::vector<int> client_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace unpackd::testing
