#include "net/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <exception>
#include <memory>

#include "net/endpoint_url.h"
#include "util/ascii.h"
#include "util/error.h"

namespace unpackd::net {
namespace {

constexpr size_t kMaxCollectedBody = 4 << 20;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct TransferState {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse response;
  std::exception_ptr sink_error;
  bool body_started = false;
};

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  return std::string(s.substr(b, e - b));
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new status line (after 100 Continue or a redirect): forget earlier headers.
    state->response.headers.clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    state->response.headers[AsciiLower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300 && state->request->on_body) {
    try {
      if (!state->body_started) {
        state->body_started = true;
        state->response.status = status;
        if (state->request->on_response_start) state->request->on_response_start(state->response);
      }
      state->request->on_body(std::span(reinterpret_cast<const std::byte*>(data), n));
    } catch (...) {
      state->sink_error = std::current_exception();
      return CURL_WRITEFUNC_ERROR;
    }
    return n;
  }
  if (state->response.body.size() + n <= kMaxCollectedBody) state->response.body.append(data, n);
  return n;
}

// Without the query (signatures, upload ids) and without a password in the user info.
std::string UrlForMessages(const std::string& url) {
  return RedactUrl(url.substr(0, url.find('?')));
}

bool IsTransient(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
  }
}

// libcurl's progress callback: a non-zero answer aborts the transfer.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const CancellationToken*>(user)->cancelled() ? 1 : 0;
}

void Check(CURLcode code) {
  if (code != CURLE_OK) {
    throw Error(ErrorKind::kInternal, std::string("curl_easy_setopt: ") + curl_easy_strerror(code));
  }
}

}  // namespace

std::string HttpResponse::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(const HttpClientOptions& options)
    : options_(options), pool_(options.max_connections) {}

HttpResponse HttpClient::Perform(const HttpRequest& request) {
  CurlHandlePool::Lease lease = pool_.Acquire();
  CURL* curl = lease.get();
  TransferState state;
  state.curl = curl;
  state.request = &request;

  Slist headers;
  auto append = [&headers](const std::string& line) {
    // On failure curl_slist_append returns null and leaves the list intact (still owned).
    curl_slist* head = curl_slist_append(headers.get(), line.c_str());
    if (head == nullptr) throw Error(ErrorKind::kInternal, "curl_slist_append failed");
    (void)headers.release();
    headers.reset(head);
  };
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is curl's syntax for a header sent with an empty value.
    append(value.empty() ? name + ";" : name + ": " + value);
    if (AsciiLower(name) == "content-type") has_content_type = true;
  }
  // No "Expect: 100-continue" round trip, and no curl-invented Content-Type for bodies.
  append("Expect:");
  if (!has_content_type) append("Content-Type:");

  Check(curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str()));
  Check(curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1));
  Check(curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L));
  Check(curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L));
  // S3 keys are not paths: "a/../b" and "a//b" are distinct keys and must reach the server as is.
  Check(curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L));
  Check(curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get()));
  Check(curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options_.connect_timeout.count())));
  if (options_.stall_timeout.count() > 0) {
    Check(curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L));
    Check(curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME,
                           static_cast<long>(options_.stall_timeout.count())));
  }
  const std::chrono::milliseconds timeout =
      request.timeout.count() > 0 ? request.timeout : options_.request_timeout;
  if (timeout.count() > 0) {
    Check(curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count())));
  }
  if (!options_.ca_bundle.empty()) {
    Check(curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str()));
  }
  Check(curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader));
  Check(curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state));
  Check(curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody));
  Check(curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state));

  if (request.method == "HEAD") {
    Check(curl_easy_setopt(curl, CURLOPT_NOBODY, 1L));
  } else if (request.method == "GET") {
    Check(curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L));
  } else {
    // The body goes out straight from the caller's buffer (no copy); curl re-sends it by
    // itself if it must.
    Check(curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                           static_cast<curl_off_t>(request.body.size())));
    Check(curl_easy_setopt(
        curl, CURLOPT_POSTFIELDS,
        request.body.empty() ? "" : reinterpret_cast<const char*>(request.body.data())));
    Check(curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str()));
  }

  if (request.abort_on != nullptr) {
    Check(curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress));
    Check(curl_easy_setopt(curl, CURLOPT_XFERINFODATA, request.abort_on));
    Check(curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L));
  }

  char error_buffer[CURL_ERROR_SIZE] = {0};
  Check(curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer));
  CURLcode code = curl_easy_perform(curl);
  // The pooled handle must not keep pointers to this call's stack.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (request.abort_on != nullptr) {
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 1L);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, nullptr);
  }
  if (state.sink_error) std::rethrow_exception(state.sink_error);
  if (code == CURLE_ABORTED_BY_CALLBACK && request.abort_on != nullptr) {
    throw Error(ErrorKind::kCancelled,
                request.method + " " + UrlForMessages(request.url) +
                    ": abandoned because the caller is stopping",
                "cancelled");
  }
  if (code != CURLE_OK) {
    std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    throw Error(IsTransient(code) ? ErrorKind::kTransient : ErrorKind::kIo,
                request.method + " " + UrlForMessages(request.url) + ": " + reason);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &state.response.status);
  curl_off_t sending_at = 0;
  curl_off_t first_byte_at = 0;
  curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &sending_at);
  curl_easy_getinfo(curl, CURLINFO_STARTTRANSFER_TIME_T, &first_byte_at);
  state.response.first_byte_wait =
      std::chrono::microseconds(std::max<curl_off_t>(0, first_byte_at - sending_at));
  return std::move(state.response);
}

}  // namespace unpackd::net
