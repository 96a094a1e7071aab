#include "cloud/aws/sns_client.h"

#include <pugixml.hpp>

#include "cloud/aws/aws_error.h"
#include "net/uri_encoding.h"

namespace unpackd::aws {
namespace {

std::string What(const std::string& topic_arn) { return "SNS Publish topic " + topic_arn; }

void AddField(std::string& form, std::string_view name, std::string_view value) {
  if (!form.empty()) form += '&';
  form += name;
  form += '=';
  form += net::UriEncodeComponent(value);
}

}  // namespace

Error MakeSnsError(const std::string& topic_arn, const net::HttpResponse& response,
                   const std::string& access_key_id) {
  const AwsErrorReply reply = ParseXmlErrorReply(response);
  return MakeAwsError(What(topic_arn), response.status, reply,
                      CommonAwsErrorKind(response.status, reply.code, "NotFound"), access_key_id,
                      "sns:Publish on the topic");
}

SnsClient::SnsClient(const SnsClientConfig& config)
    : poster_(RegionalPosterOptions(config, "sns"), "the SNS endpoint") {}

std::string SnsClient::Publish(const std::string& topic_arn, const std::string& message,
                               const std::optional<std::string>& subject) {
  std::string form;
  AddField(form, "Action", "Publish");
  AddField(form, "Version", "2010-03-31");
  AddField(form, "TopicArn", topic_arn);
  AddField(form, "Message", message);
  if (subject) AddField(form, "Subject", *subject);
  SignedPost post;
  post.what = What(topic_arn);
  post.headers = {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  post.body = form;
  const net::HttpResponse answer =
      poster_.Post(post, [&](const net::HttpResponse& response, const std::string& key_id) {
        return MakeSnsError(topic_arn, response, key_id);
      });
  pugi::xml_document doc;
  std::string message_id;
  if (doc.load_buffer(answer.body.data(), answer.body.size())) {
    message_id = doc.child("PublishResponse").child("PublishResult").child_value("MessageId");
  }
  if (message_id.empty()) {
    throw Error(ErrorKind::kIo, What(topic_arn) + ": the answer has no MessageId",
                "malformed-answer");
  }
  return message_id;
}

}  // namespace unpackd::aws
