// SnsClient: Amazon SNS's Publish, over SNS's Query protocol (a POST of the form
// "Action=Publish&Version=2010-03-31&TopicArn=...&Message=..." to the endpoint, an XML answer or
// XML error), signed with SigV4 for service "sns" through the shared signed poster
// (signed_poster.h).
//
// Thread safety: Publish may be called from any thread at once.
#pragma once

#include <optional>
#include <string>

#include "cloud/aws/aws_client_config.h"
#include "cloud/aws/signed_poster.h"
#include "net/http_client.h"
#include "util/error.h"

namespace unpackd::aws {

using SnsClientConfig = AwsClientConfig;

class SnsClient {
 public:
  // Throws Error(kUsage, "bad-config") for an endpoint that is not an http(s) URL or holds a
  // user name or password. Makes no request.
  explicit SnsClient(const SnsClientConfig& config);
  SnsClient(const SnsClient&) = delete;
  SnsClient& operator=(const SnsClient&) = delete;

  // Publishes `message` (UTF-8, at most 256 KiB) to the topic `topic_arn`, with `subject` (for
  // e-mail subscribers: ASCII, no line breaks, under 100 characters; SNS refuses others) when
  // given; returns SNS's message id. Throws Error: kTransient after retries (5xx, throttling,
  // network), kAccessDenied (credentials refused, or no sns:Publish on the topic: the message
  // names the access key id, never the secret), kNotFound (code "NotFound": no such topic),
  // kCancelled, kIo otherwise (InvalidParameter, an answer without a MessageId); code = SNS's
  // short error code. The message names the topic.
  std::string Publish(const std::string& topic_arn, const std::string& message,
                      const std::optional<std::string>& subject = std::nullopt);

  const std::string& region() const { return poster_.region(); }
  const std::string& endpoint() const { return poster_.endpoint(); }

 private:
  SignedPoster poster_;
};

// The Error for a failed Publish answer: NotFound -> kNotFound, else as CommonAwsErrorKind
// (aws_error.h). Names `topic_arn`. Pure.
Error MakeSnsError(const std::string& topic_arn, const net::HttpResponse& response,
                   const std::string& access_key_id);

}  // namespace unpackd::aws
