#include "lambda/runtime_api_client.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "net/http_client.h"
#include "util/error.h"

namespace unpackd::lambda {
namespace {

net::HttpClientOptions RuntimeApiOptions() {
  net::HttpClientOptions options;
  options.max_connections = 1;
  options.connect_timeout = std::chrono::milliseconds(5'000);
  // /next sends nothing until an invocation comes, which may be hours away (the process is
  // frozen meanwhile): no stall limit.
  options.stall_timeout = std::chrono::seconds(0);
  return options;
}

// The documented error document; stackTrace is required by some consumers, so always present.
std::string ErrorDocument(const std::string& type, const std::string& message) {
  return nlohmann::json{
      {"errorType", type}, {"errorMessage", message}, {"stackTrace", nlohmann::json::array()}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void CheckAccepted(const net::HttpResponse& response, const std::string& what) {
  if (response.status >= 200 && response.status < 300) return;
  throw Error(ErrorKind::kIo,
              "the Lambda Runtime API refused " + what + ": HTTP " +
                  std::to_string(response.status) + ": " + response.body.substr(0, 200),
              "runtime-api");
}

}  // namespace

RuntimeApiClient::RuntimeApiClient(const std::string& address)
    : http_(std::make_unique<net::HttpClient>(RuntimeApiOptions())) {
  if (address.empty()) {
    throw Error(ErrorKind::kUsage,
                "AWS_LAMBDA_RUNTIME_API is not set: `unpackd lambda` runs inside AWS Lambda (or "
                "its runtime interface emulator)",
                "bad-config");
  }
  base_url_ = "http://" + address + "/2018-06-01/runtime";
}

RuntimeApiClient::~RuntimeApiClient() = default;

Invocation RuntimeApiClient::Next() {
  net::HttpRequest request;
  request.url = base_url_ + "/invocation/next";
  const net::HttpResponse response = http_->Perform(request);
  CheckAccepted(response, "the request for the next invocation");
  Invocation invocation;
  invocation.request_id = response.Header("lambda-runtime-aws-request-id");
  invocation.function_arn = response.Header("lambda-runtime-invoked-function-arn");
  invocation.trace_id = response.Header("lambda-runtime-trace-id");
  const std::string deadline = response.Header("lambda-runtime-deadline-ms");
  int64_t deadline_ms = 0;
  const auto [end, ec] =
      std::from_chars(deadline.data(), deadline.data() + deadline.size(), deadline_ms);
  if (invocation.request_id.empty() || ec != std::errc() ||
      end != deadline.data() + deadline.size()) {
    throw Error(ErrorKind::kIo,
                "the Lambda Runtime API handed out an invocation without a request id or a "
                "deadline (Lambda-Runtime-Deadline-Ms: \"" +
                    deadline.substr(0, 40) + "\")",
                "runtime-api");
  }
  invocation.deadline =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline_ms));
  invocation.body = response.body;
  return invocation;
}

void RuntimeApiClient::Answer(const std::string& request_id, const InvocationReply& reply) {
  if (reply.failed) {
    Post("/invocation/" + request_id + "/error", ErrorDocument(reply.error_type, reply.body),
         reply.error_type);
  } else {
    Post("/invocation/" + request_id + "/response", reply.body, "");
  }
}

void RuntimeApiClient::ReportInitError(const RuntimeError& error) {
  Post("/init/error", ErrorDocument(error.type, error.message), error.type);
}

void RuntimeApiClient::Post(const std::string& path, const std::string& body,
                            const std::string& error_type) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = base_url_ + path;
  request.headers.emplace_back("Content-Type", "application/json");
  if (!error_type.empty()) {
    request.headers.emplace_back("Lambda-Runtime-Function-Error-Type", error_type);
  }
  request.body = std::as_bytes(std::span(body.data(), body.size()));
  request.timeout = std::chrono::milliseconds(30'000);
  CheckAccepted(http_->Perform(request), "POST " + path);
}

}  // namespace unpackd::lambda
