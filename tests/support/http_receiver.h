// HttpReceiver: a real HTTP server (cpp-httplib) on 127.0.0.1 at a port the kernel picks, for
// tests of clients that deliver to a receiver of the user's (webhooks, Slack). Every request is
// recorded, then answered by the test's handler.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
}

namespace unpackd::testing {

struct ReceivedRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct ReceiverAnswer {
  ReceiverAnswer(int status = 200, std::map<std::string, std::string> headers = {},
                 std::string body = {}, std::string content_type = "text/plain")
      : status(status),
        headers(std::move(headers)),
        body(std::move(body)),
        content_type(std::move(content_type)) {}

  int status = 200;
  std::map<std::string, std::string> headers;
  std::string body;
  std::string content_type = "text/plain";
};

class HttpReceiver {
 public:
  // `handler` answers each request (on the server's threads, one request at a time: calls are
  // serialized, so it may keep state without locking). Starts listening before returning.
  explicit HttpReceiver(std::function<ReceiverAnswer(const ReceivedRequest&)> handler);
  // Stops the server and joins its thread.
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" + path
  std::string url(const std::string& path = "/") const;
  // Every request received so far, in order.
  std::vector<ReceivedRequest> requests() const;

 private:
  std::function<ReceiverAnswer(const ReceivedRequest&)> handler_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

}  // namespace unpackd::testing
