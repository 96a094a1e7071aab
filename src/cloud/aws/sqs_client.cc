#include "cloud/aws/sqs_client.h"

#include <nlohmann/json.hpp>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/aws_url.h"

namespace unpackd::aws {
namespace {

constexpr char kContentType[] = "application/x-amz-json-1.0";

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

SignedPosterOptions PosterOptions(const SqsClientConfig& config) {
  // Four connections: a long poll, the heartbeat and the deletes of one consumer.
  SignedPosterOptions options =
      CommonPosterOptions(config, "sqs", ResolveRegion(config), EndpointOf(config));
  // A long poll moves no byte for up to 20 s: only a peer silent for longer has stalled.
  options.http.stall_timeout = std::chrono::seconds(40);
  return options;
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
  const AwsErrorReply reply = ParseJsonErrorReply(response);
  ErrorKind kind =
      CommonAwsErrorKind(response.status, reply.code.empty() ? reply.query_code : reply.code);
  if (kind == ErrorKind::kIo) {
    if (reply.code == "QueueDoesNotExist" ||
        reply.query_code == "AWS.SimpleQueueService.NonExistentQueue") {
      kind = ErrorKind::kNotFound;
    } else if (reply.code == "ReceiptHandleIsInvalid" || reply.code == "MessageNotInflight") {
      kind = ErrorKind::kPrecondition;
    }
  }
  return MakeAwsError(
      "SQS " + std::string(action) + " " + queue_url, response.status, reply, kind, access_key_id,
      "sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on the queue");
}

SqsClient::SqsClient(const SqsClientConfig& config)
    : config_(config), poster_(PosterOptions(config), "the SQS endpoint") {
  CheckServiceUrl(config_.queue_url, "the SQS queue URL");
}

std::string SqsClient::Call(const std::string& action, const std::string& body,
                            const CancellationToken* abort_on) {
  SignedPost post;
  post.what = "SQS " + action + " " + config_.queue_url;
  post.headers = {{"content-type", kContentType}, {"x-amz-target", "AmazonSQS." + action}};
  post.body = body;
  post.abort_on = abort_on;
  return poster_
      .Post(post,
            [&](const net::HttpResponse& response, const std::string& access_key_id) {
              return MakeSqsError(action, config_.queue_url, response, access_key_id);
            })
      .body;
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
