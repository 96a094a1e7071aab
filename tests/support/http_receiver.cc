#include "support/http_receiver.h"

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace unpackd::testing {
namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

}  // namespace

HttpReceiver::HttpReceiver(std::function<ReceiverAnswer(const ReceivedRequest&)> handler)
    : handler_(std::move(handler)), server_(std::make_unique<httplib::Server>()) {
  auto serve = [this](const httplib::Request& request, httplib::Response& response) {
    ReceivedRequest received;
    received.method = request.method;
    received.path = request.path;
    for (const auto& [name, value] : request.headers) received.headers[Lower(name)] = value;
    received.body = request.body;
    std::lock_guard lock(mutex_);
    requests_.push_back(received);
    const ReceiverAnswer answer = handler_(received);
    response.status = answer.status;
    for (const auto& [name, value] : answer.headers) response.set_header(name, value);
    response.set_content(answer.body, answer.content_type);
  };
  // One request per connection: the client pools connections, and a kept-alive one would hold
  // the destructor up for httplib's keep-alive timeout.
  server_->set_keep_alive_max_count(1);
  server_->Post(".*", serve);
  server_->Get(".*", serve);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("HttpReceiver: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // A stop() before the server runs is lost (httplib only stops a running server), and the
  // destructor would then wait for ever: return only once it runs.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

HttpReceiver::~HttpReceiver() {
  server_->stop();
  thread_.join();
}

std::string HttpReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedRequest> HttpReceiver::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

}  // namespace unpackd::testing
