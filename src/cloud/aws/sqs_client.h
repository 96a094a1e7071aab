// SqsClient: the Amazon SQS operations unpackd uses, over SQS's AWS JSON 1.0 protocol (a POST
// to the endpoint with "X-Amz-Target: AmazonSQS.<Action>" and a JSON body naming the queue),
// signed with SigV4 for service "sqs" and retried per a RetryPolicy (signed_poster.h), with SQS's
// JSON errors turned into unpackd::Error (aws_error.h).
//
// Hand-written because no Debian package offers an SQS client without the whole AWS SDK; four
// actions over the HTTP client and signer the S3 store already uses are small and testable.
//
// One client serves one queue. Thread safety: every method may be called from any thread at
// once (the connection pool, the credential cache and the endpoint's gate are thread-safe).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/aws/aws_credentials.h"
#include "cloud/aws/signed_poster.h"
#include "net/http_client.h"
#include "net/retry_policy.h"
#include "util/cancellation.h"
#include "util/error.h"

namespace unpackd::aws {

struct SqsClientConfig {
  // "https://sqs.<region>.amazonaws.com/<account>/<queue>": the queue every call names.
  std::string queue_url;
  // Where requests go ("https://host[:port][/path]"). Empty: the queue URL's scheme and host.
  std::string endpoint;
  // Signing region. Empty: from a "sqs.<region>.amazonaws.com" host, else `fallback_region`.
  std::string region;
  // The region when neither `region` nor the host names one (AWS_REGION, say); empty:
  // "us-east-1".
  std::string fallback_region;
  // nullptr: the AWS SDKs' default chain for `profile` (credentials_chain.h).
  std::shared_ptr<CredentialsProvider> credentials;
  std::string profile;
  std::string ca_bundle;  // PEM CAs to trust for https; empty: the system store
  std::chrono::milliseconds connect_timeout{10'000};
  // How long calls ride out an outage or throttling (net/retry_policy.h).
  net::RetryPolicy retry;
  // Optional; must outlive the client. Once cancelled, calls stop retrying (a first attempt
  // still goes out, so a message can still be deleted on the way out).
  const CancellationToken* cancel = nullptr;
};

struct SqsMessage {
  std::string message_id;
  std::string receipt_handle;  // this receive's handle; a new one on every receive
  std::string body;
  int receive_count = 0;  // ApproximateReceiveCount; 0 when SQS did not say
};

struct ReceiveOptions {
  int max_messages = 10;        // 1 to 10
  int wait_seconds = 20;        // long poll: 0 to 20
  int visibility_seconds = 60;  // hidden from other consumers for this long once received
  // Optional; must outlive the call. Cancelling it abandons the long poll within about a
  // second: ReceiveMessage then throws Error(kCancelled) and no message was taken (any SQS
  // hands out anyway comes back after its visibility timeout).
  const CancellationToken* abort_on = nullptr;
};

class SqsClient {
 public:
  // Throws Error(kUsage, "bad-config") for a queue URL or endpoint that is not an http(s) URL.
  explicit SqsClient(const SqsClientConfig& config);
  SqsClient(const SqsClient&) = delete;
  SqsClient& operator=(const SqsClient&) = delete;

  // Waits up to options.wait_seconds for messages and returns 0 to options.max_messages of them
  // (each with its receive count). Throws Error: kTransient once retries are spent (network,
  // 5xx, throttling), kAccessDenied (credentials rejected or not allowed; the message names the
  // access key id, never the secret), kNotFound (code "QueueDoesNotExist"), kCancelled (see
  // ReceiveOptions::abort_on), kIo for anything else (a malformed answer).
  std::vector<SqsMessage> ReceiveMessage(const ReceiveOptions& options);

  // Deletes the message received with `receipt_handle`; after it returns SQS will not deliver
  // it again (except in SQS's rare at-least-once duplicates). A stale handle (the message was
  // received again since) may succeed without deleting, as SQS documents. Throws as
  // ReceiveMessage; kPrecondition (code "ReceiptHandleIsInvalid") for a handle SQS refuses.
  void DeleteMessage(const std::string& receipt_handle);

  // Makes the message visible again `seconds` (0 to 43200) from now: extends the time a
  // consumer holds it, or (0, or a short delay) hands it back early. Throws as DeleteMessage;
  // kPrecondition also for code "MessageNotInflight" (it was deleted or is visible again).
  void ChangeMessageVisibility(const std::string& receipt_handle, int seconds);

  // Sends `body`, visible after `delay_seconds` (0 to 900); returns SQS's message id. Throws as
  // ReceiveMessage.
  std::string SendMessage(const std::string& body, int delay_seconds = 0);

  const std::string& queue_url() const { return config_.queue_url; }
  const std::string& region() const { return poster_.region(); }

 private:
  // Signs and posts one action's JSON `body`, retrying transient failures through the gate;
  // returns the 2xx response's body.
  std::string Call(const std::string& action, const std::string& body,
                   const CancellationToken* abort_on);

  const SqsClientConfig config_;
  SignedPoster poster_;
};

// The region in an AWS SQS host ("https://sqs.eu-west-1.amazonaws.com/...", also the legacy
// "eu-west-1.queue.amazonaws.com"), or "" when the URL names no AWS region.
std::string RegionFromSqsUrl(std::string_view url);

// The messages of a ReceiveMessage answer ({"Messages": [...]}, or {} when none came). Throws
// Error(kIo) naming `queue_url` when the answer is not that shape.
std::vector<SqsMessage> ParseReceiveMessageResponse(std::string_view body,
                                                    const std::string& queue_url);

// The Error for a failed SQS response: its JSON error ({"__type": "com.amazonaws.sqs#Code",
// "message": ...}), else the x-amzn-query-error header, else the status. The kind: 5xx, 429
// and throttling codes -> kTransient; 401/403 and credential codes -> kAccessDenied (naming
// `access_key_id`); QueueDoesNotExist -> kNotFound; ReceiptHandleIsInvalid and
// MessageNotInflight -> kPrecondition; anything else -> kIo. The code is SQS's short code
// ("QueueDoesNotExist"); the message names the action and the queue, never a secret.
Error MakeSqsError(std::string_view action, const std::string& queue_url,
                   const net::HttpResponse& response, const std::string& access_key_id);

}  // namespace unpackd::aws
