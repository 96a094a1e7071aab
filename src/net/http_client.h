// HttpClient: one HTTP/1.1 request at a time per calling thread, over pooled keep-alive
// connections (libcurl). Knows nothing about S3: no signing, no retries, no XML.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>

#include "net/curl_handle_pool.h"
#include "net/header_list.h"
#include "util/cancellation.h"

namespace unpackd::net {

struct HttpClientOptions {
  size_t max_connections = 32;
  std::chrono::milliseconds connect_timeout{10'000};
  // A transfer that moves no byte for this long is abandoned (a stalled peer); 0 disables.
  std::chrono::seconds stall_timeout{30};
  // Upper bound on one whole request; 0 = none (big parts may legitimately take long).
  std::chrono::milliseconds request_timeout{0};
  // PEM file of CA certificates to trust for https instead of the system store; empty: the
  // system store (Debian's /etc/ssl/certs via libcurl's default).
  std::string ca_bundle;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;                  // fully encoded
  HeaderList headers;               // sent as given; Content-Length is derived from body
  std::span<const std::byte> body;  // not owned; must outlive Perform()
  // When set, the body of a 2xx response is handed over chunk by chunk as it arrives instead
  // of being collected; it may throw to abort the transfer (Perform rethrows it). Non-2xx
  // bodies (error documents) are always collected into HttpResponse::body.
  std::function<void(std::span<const std::byte>)> on_body;
  // Called once, before the first on_body chunk, with the 2xx status and headers; may throw to
  // refuse the response (e.g. an unexpected ETag or Content-Range), which Perform rethrows.
  std::function<void(const struct HttpResponse&)> on_response_start;
  // Optional; must outlive Perform(). Once cancelled, the transfer is abandoned within about a
  // second (libcurl's progress callback runs at least that often, even while no byte moves) and
  // Perform throws Error(kCancelled, code "cancelled"): a long poll must not hold up a shutdown.
  const CancellationToken* abort_on = nullptr;
  // Upper bound on this request alone (a notification must not hang a worker); 0: the
  // client's HttpClientOptions::request_timeout. Exceeding it is a kTransient failure.
  std::chrono::milliseconds timeout{0};
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-case; last value wins
  std::string body;
  // From the request's first byte sent to the answer's first byte received (connecting and
  // waiting for a pooled connection excluded): for a small request, how long the server took
  // to start answering, its queue included.
  std::chrono::microseconds first_byte_wait{0};

  // The header's value, or "" when absent.
  std::string Header(const std::string& lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(const HttpClientOptions& options);

  // Performs `request` and returns the final response, whatever its status. Thread-safe;
  // blocks while all connections are busy. Throws unpackd::Error: kTransient when the
  // transport failed in a way a retry may fix (refused, reset, timeout, stall, DNS), kIo
  // otherwise (TLS verification failed, malformed URL). The message names method and URL
  // (with its query string removed, which could carry tokens) and curl's reason.
  HttpResponse Perform(const HttpRequest& request);

 private:
  HttpClientOptions options_;
  CurlHandlePool pool_;
};

}  // namespace unpackd::net
