#include "cloud/aws/sqs_client.h"

#include <nlohmann/json.hpp>
#include <span>

#include "cloud/aws/credentials_chain.h"
#include "cloud/aws/hashing.h"
#include "net/endpoint_url.h"

namespace unpackd::aws {
namespace {

constexpr char kContentType[] = "application/x-amz-json-1.0";

struct UrlParts {
  std::string scheme;     // "http" or "https"
  std::string authority;  // host[:port]
  std::string path;       // "" or "/..."
};

UrlParts SplitUrl(std::string_view url) {
  UrlParts parts;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return parts;
  parts.scheme = std::string(url.substr(0, scheme_end));
  const std::string_view rest = url.substr(scheme_end + 3);
  const size_t slash = rest.find('/');
  parts.authority = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) parts.path = std::string(rest.substr(slash));
  return parts;
}

void CheckUrl(const std::string& url, const char* what) {
  std::optional<std::string> problem = net::EndpointUrlProblem(url);
  if (!problem && SplitUrl(url).authority.find('@') != std::string::npos) {
    problem = std::string(what) + " must not hold a user name or password";
  }
  if (problem) throw Error(ErrorKind::kUsage, std::string(what) + ": " + *problem, "bad-config");
}

std::string ResolveRegion(const SqsClientConfig& config) {
  if (!config.region.empty()) return config.region;
  std::string region =
      RegionFromSqsUrl(config.endpoint.empty() ? config.queue_url : config.endpoint);
  if (region.empty()) region = RegionFromSqsUrl(config.queue_url);
  if (region.empty()) region = config.fallback_region;
  return region.empty() ? std::string("us-east-1") : region;
}

std::string EndpointOf(const SqsClientConfig& config) {
  if (!config.endpoint.empty()) return config.endpoint;
  const UrlParts parts = SplitUrl(config.queue_url);
  return parts.scheme + "://" + parts.authority;
}

net::HttpClientOptions HttpOptionsFor(const SqsClientConfig& config) {
  net::HttpClientOptions options;
  // A long poll, the heartbeat and the deletes of one consumer.
  options.max_connections = 4;
  options.connect_timeout = config.connect_timeout;
  // A long poll moves no byte for up to 20 s: only a peer silent for longer has stalled.
  options.stall_timeout = std::chrono::seconds(40);
  options.ca_bundle = config.ca_bundle;
  return options;
}

// "com.amazonaws.sqs#QueueDoesNotExist" -> "QueueDoesNotExist"; some services append
// ":<documentation url>" to the type.
std::string ShortErrorType(std::string type) {
  if (const size_t hash = type.rfind('#'); hash != std::string::npos) type.erase(0, hash + 1);
  if (const size_t colon = type.find(':'); colon != std::string::npos) type.erase(colon);
  return type;
}

bool IsTransientCode(const std::string& code) {
  for (const char* transient :
       {"ThrottlingException", "RequestThrottled", "Throttling", "ServiceUnavailable",
        "InternalError", "InternalFailure", "KmsThrottled", "RequestTimeout"}) {
    if (code == transient) return true;
  }
  return false;
}

bool IsCredentialCode(const std::string& code) {
  for (const char* credential :
       {"InvalidSignatureException", "SignatureDoesNotMatch", "InvalidClientTokenId",
        "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
        "IncompleteSignature", "MissingAuthenticationToken", "InvalidSecurity"}) {
    if (code == credential) return true;
  }
  return false;
}

bool IsExpiredTokenCode(const std::string& code) {
  return code == "ExpiredToken" || code == "ExpiredTokenException";
}

int ReceiveCountOf(const nlohmann::json& message) {
  const auto attributes = message.find("Attributes");
  if (attributes == message.end() || !attributes->is_object()) return 0;
  const auto count = attributes->find("ApproximateReceiveCount");
  if (count == attributes->end() || !count->is_string()) return 0;
  try {
    return std::stoi(count->get<std::string>());
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::string RegionFromSqsUrl(std::string_view url) {
  std::string host = SplitUrl(url).authority;
  if (host.starts_with('[')) return {};  // an IPv6 address names no region
  host = host.substr(0, host.find(':'));
  for (const std::string_view suffix : {".amazonaws.com", ".amazonaws.com.cn"}) {
    if (!host.ends_with(suffix)) continue;
    const std::string name = host.substr(0, host.size() - suffix.size());
    if (name == "queue") return "us-east-1";  // the legacy global host
    for (const std::string_view prefix : {"sqs.", "sqs-fips."}) {
      if (name.starts_with(prefix) && name.find('.', prefix.size()) == std::string::npos) {
        return name.substr(prefix.size());
      }
    }
    if (name.ends_with(".queue") && name.find('.') == name.size() - 6) {
      return name.substr(0, name.size() - 6);
    }
  }
  return {};
}

std::vector<SqsMessage> ParseReceiveMessageResponse(std::string_view body,
                                                    const std::string& queue_url) {
  const nlohmann::json answer = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  auto malformed = [&](const std::string& why) {
    return Error(ErrorKind::kIo, "ReceiveMessage " + queue_url + ": the answer " + why);
  };
  if (!answer.is_object()) throw malformed("is not a JSON object");
  std::vector<SqsMessage> messages;
  const auto list = answer.find("Messages");
  if (list == answer.end() || list->is_null()) return messages;
  if (!list->is_array()) throw malformed("has Messages that is not a list");
  for (const nlohmann::json& item : *list) {
    if (!item.is_object()) throw malformed("has a message that is not an object");
    SqsMessage message;
    const auto handle = item.find("ReceiptHandle");
    if (handle == item.end() || !handle->is_string() || handle->get<std::string>().empty()) {
      throw malformed("has a message without a ReceiptHandle");
    }
    message.receipt_handle = handle->get<std::string>();
    if (const auto id = item.find("MessageId"); id != item.end() && id->is_string()) {
      message.message_id = id->get<std::string>();
    }
    // A message without a body is the event source's problem to report, not a broken answer.
    if (const auto text = item.find("Body"); text != item.end() && text->is_string()) {
      message.body = text->get<std::string>();
    }
    message.receive_count = ReceiveCountOf(item);
    messages.push_back(std::move(message));
  }
  return messages;
}

Error MakeSqsError(std::string_view action, const std::string& queue_url,
                   const net::HttpResponse& response, const std::string& access_key_id) {
  std::string code, text;
  const nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_object()) {
    if (const auto type = doc.find("__type"); type != doc.end() && type->is_string()) {
      code = ShortErrorType(type->get<std::string>());
    }
    for (const char* key : {"message", "Message"}) {
      if (const auto m = doc.find(key); text.empty() && m != doc.end() && m->is_string()) {
        text = m->get<std::string>();
      }
    }
  }
  // "AWS.SimpleQueueService.NonExistentQueue;Sender": the query protocol's code.
  const std::string query_error = response.Header("x-amzn-query-error");
  const std::string legacy_code = query_error.substr(0, query_error.find(';'));
  if (code.empty()) code = legacy_code;

  const long status = response.status;
  ErrorKind kind = ErrorKind::kIo;
  if (status >= 500 || status == 429 || IsTransientCode(code)) {
    kind = ErrorKind::kTransient;
  } else if (status == 401 || status == 403 || IsCredentialCode(code) ||
             code.starts_with("AccessDenied") || code == "KmsAccessDenied") {
    kind = ErrorKind::kAccessDenied;
  } else if (code == "QueueDoesNotExist" ||
             legacy_code == "AWS.SimpleQueueService.NonExistentQueue") {
    kind = ErrorKind::kNotFound;
  } else if (code == "ReceiptHandleIsInvalid" || code == "MessageNotInflight") {
    kind = ErrorKind::kPrecondition;
  }

  std::string message =
      "SQS " + std::string(action) + " " + queue_url + " failed: HTTP " + std::to_string(status);
  if (!code.empty()) message += " " + code;
  if (!text.empty()) message += ": " + text;
  if (IsCredentialCode(code)) {
    message += " (the credentials for access key id '" + access_key_id +
               "' were rejected: check the key id, the secret, the session token and the "
               "region)";
  } else if (kind == ErrorKind::kAccessDenied) {
    message += " (using access key id '" + access_key_id +
               "': it needs sqs:ReceiveMessage, sqs:DeleteMessage and "
               "sqs:ChangeMessageVisibility on the queue)";
  }
  if (const std::string id = response.Header("x-amzn-requestid"); !id.empty()) {
    message += " [request id " + id + "]";
  }
  return Error(kind, message, code);
}

SqsClient::SqsClient(const SqsClientConfig& config)
    : config_(config),
      signer_(ResolveRegion(config), "sqs"),
      credentials_(config.credentials ? config.credentials
                                      : MakeDefaultCredentialsChain(config.profile)),
      http_(HttpOptionsFor(config)),
      gate_(EndpointOf(config), config.retry, config.cancel) {
  CheckUrl(config_.queue_url, "the SQS queue URL");
  if (!config_.endpoint.empty()) CheckUrl(config_.endpoint, "the SQS endpoint");
  const UrlParts endpoint = SplitUrl(EndpointOf(config_));
  host_ = endpoint.authority;
  canonical_path_ = endpoint.path.empty() ? "/" : endpoint.path;
  url_ = endpoint.scheme + "://" + endpoint.authority + canonical_path_;
}

AwsCredentials SqsClient::CurrentCredentials() {
  std::optional<AwsCredentials> credentials = credentials_->Fetch();
  if (!credentials) {
    throw Error(ErrorKind::kAccessDenied,
                "SQS " + config_.queue_url +
                    ": no AWS credentials found: set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or configure a profile (AWS_PROFILE), or run with "
                    "a container or EC2 instance role");
  }
  return *credentials;
}

std::string SqsClient::Call(const std::string& action, const std::string& body,
                            const CancellationToken* abort_on) {
  const std::string payload_hash = Sha256Hex(body);
  bool refreshed_credentials = false;
  net::EndpointGate::Passage passage(gate_, "SQS " + action + " " + config_.queue_url);
  for (;;) {
    passage.WaitForTurn();
    const AwsCredentials credentials = CurrentCredentials();
    SigningRequest signing;
    signing.method = "POST";
    signing.canonical_uri = canonical_path_;
    signing.headers = {
        {"host", host_}, {"content-type", kContentType}, {"x-amz-target", "AmazonSQS." + action}};
    signing.payload_hash = payload_hash;
    std::string authorization =
        signer_.AddAuthHeaders(signing, credentials, std::chrono::system_clock::now());

    net::HttpRequest request;
    request.method = "POST";
    request.url = url_;
    request.headers = std::move(signing.headers);
    request.headers.emplace_back("Authorization", std::move(authorization));
    request.body = std::as_bytes(std::span(body.data(), body.size()));
    request.abort_on = abort_on;

    net::HttpResponse response;
    try {
      response = http_.Perform(request);
    } catch (const Error& e) {
      // No answer: a transport failure a retry may fix waits its turn, anything else is final.
      if (e.kind() != ErrorKind::kTransient) throw;
      passage.Failed(e);  // throws when no retry is left
      continue;
    }
    if (response.status >= 200 && response.status < 300) {
      passage.Answered();
      return std::move(response.body);
    }
    Error error = MakeSqsError(action, config_.queue_url, response, credentials.access_key_id);
    auto* caching = dynamic_cast<CachingCredentialsProvider*>(credentials_.get());
    if (!refreshed_credentials && IsExpiredTokenCode(error.code()) && caching != nullptr) {
      // Temporary credentials ran out between the cache's refresh check and the server.
      caching->Invalidate();
      refreshed_credentials = true;
      passage.Answered();
      continue;
    }
    if (error.kind() != ErrorKind::kTransient) {
      passage.Answered();
      throw error;
    }
    passage.Failed(error);
  }
}

std::vector<SqsMessage> SqsClient::ReceiveMessage(const ReceiveOptions& options) {
  const nlohmann::json request = {
      {"QueueUrl", config_.queue_url},
      {"MaxNumberOfMessages", options.max_messages},
      {"WaitTimeSeconds", options.wait_seconds},
      {"VisibilityTimeout", options.visibility_seconds},
      // The current name, and the deprecated one that older SQS-compatible servers know.
      {"MessageSystemAttributeNames", nlohmann::json::array({"ApproximateReceiveCount"})},
      {"AttributeNames", nlohmann::json::array({"ApproximateReceiveCount"})}};
  return ParseReceiveMessageResponse(Call("ReceiveMessage", request.dump(), options.abort_on),
                                     config_.queue_url);
}

void SqsClient::DeleteMessage(const std::string& receipt_handle) {
  const nlohmann::json request = {{"QueueUrl", config_.queue_url},
                                  {"ReceiptHandle", receipt_handle}};
  Call("DeleteMessage", request.dump(), nullptr);
}

void SqsClient::ChangeMessageVisibility(const std::string& receipt_handle, int seconds) {
  const nlohmann::json request = {{"QueueUrl", config_.queue_url},
                                  {"ReceiptHandle", receipt_handle},
                                  {"VisibilityTimeout", seconds}};
  Call("ChangeMessageVisibility", request.dump(), nullptr);
}

std::string SqsClient::SendMessage(const std::string& body, int delay_seconds) {
  const nlohmann::json request = {
      {"QueueUrl", config_.queue_url}, {"MessageBody", body}, {"DelaySeconds", delay_seconds}};
  const nlohmann::json answer =
      nlohmann::json::parse(Call("SendMessage", request.dump(), nullptr), nullptr, false);
  const auto id = answer.is_object() ? answer.find("MessageId") : answer.end();
  if (!answer.is_object() || id == answer.end() || !id->is_string()) {
    throw Error(ErrorKind::kIo,
                "SQS SendMessage " + config_.queue_url + ": the answer has no MessageId");
  }
  return id->get<std::string>();
}

}  // namespace unpackd::aws
