// SignedPoster: one AWS service endpoint, to which requests are POSTed signed with SigV4 and
// retried per a RetryPolicy: what every hand-written AWS client here (SQS, Lambda, SNS,
// EventBridge) shares, so each client holds only its protocol's body and its error codes.
//
// Requests ride out outages together behind an EndpointGate; temporary credentials that expire
// between the cache's check and the server are refreshed once. Paths are signed as SigV4 wants
// for every service but S3 (each segment encoded twice), so a Lambda function ARN in the path
// signs right.
//
// Thread safety: Post may be called from any thread at once (the connection pool, the
// credential cache and the gate are thread-safe).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cloud/aws/aws_credentials.h"
#include "cloud/aws/sigv4_signer.h"
#include "net/endpoint_gate.h"
#include "net/http_client.h"
#include "net/retry_policy.h"
#include "util/cancellation.h"
#include "util/error.h"

namespace unpackd::aws {

struct SignedPosterOptions {
  std::string signing_name;  // SigV4's service: "sqs", "lambda", "sns", "events"
  std::string region;        // signing region; never empty
  // "http(s)://host[:port][/path]": checked by the constructor.
  std::string endpoint;
  // nullptr: the AWS SDKs' default chain for `profile` (credentials_chain.h).
  std::shared_ptr<CredentialsProvider> credentials;
  std::string profile;
  net::HttpClientOptions http;
  net::RetryPolicy retry;                     // time_budget 0 and max_attempts 1: one attempt
  const CancellationToken* cancel = nullptr;  // optional; must outlive the poster
};

// The options every client's config carries the same way (credentials, profile, CA bundle,
// connect timeout, retry policy, cancellation), taken from `config`; the client adds the rest.
template <typename ClientConfig>
SignedPosterOptions CommonPosterOptions(const ClientConfig& config, std::string signing_name,
                                        std::string region, std::string endpoint) {
  SignedPosterOptions options;
  options.signing_name = std::move(signing_name);
  options.region = std::move(region);
  options.endpoint = std::move(endpoint);
  options.credentials = config.credentials;
  options.profile = config.profile;
  options.http.max_connections = 4;
  options.http.connect_timeout = config.connect_timeout;
  options.http.ca_bundle = config.ca_bundle;
  options.retry = config.retry;
  options.cancel = config.cancel;
  return options;
}

// The options of a client whose config also has endpoint, region, fallback_region and
// request_timeout (Lambda, SNS, EventBridge): the region is `region`, else `fallback_region`,
// else "us-east-1"; the endpoint is `endpoint`, else the service's regional AWS endpoint
// "https://<signing_name>.<region>.amazonaws.com".
template <typename ClientConfig>
SignedPosterOptions RegionalPosterOptions(const ClientConfig& config,
                                          const std::string& signing_name) {
  std::string region = !config.region.empty() ? config.region : config.fallback_region;
  if (region.empty()) region = "us-east-1";
  std::string endpoint = !config.endpoint.empty()
                             ? config.endpoint
                             : "https://" + signing_name + "." + region + ".amazonaws.com";
  SignedPosterOptions options =
      CommonPosterOptions(config, signing_name, std::move(region), std::move(endpoint));
  options.http.request_timeout = config.request_timeout;
  return options;
}

// One request. Every header is signed, as are host, x-amz-date, x-amz-content-sha256 and (for
// temporary credentials) x-amz-security-token, which Post adds.
struct SignedPost {
  // Names the request in errors and in the gate's messages ("Lambda Invoke function f").
  std::string what;
  // The path under the endpoint's own path, already percent-encoded once as it is sent
  // ("/2015-03-31/functions/arn%3Aaws%3A.../invocations"); empty: the endpoint's path.
  std::string path;
  net::HeaderList headers;                      // content-type, x-amz-target, ...
  std::string_view body;                        // not owned; must outlive Post
  const CancellationToken* abort_on = nullptr;  // see net::HttpRequest::abort_on
  std::chrono::milliseconds timeout{0};         // per attempt; 0: the client's
};

class SignedPoster {
 public:
  // Turns an answer into the Error to throw: called for every non-2xx answer, and for a 2xx
  // answer that `AnswerCheck` refuses. `access_key_id` is the key the request was signed with.
  using ErrorMapper =
      std::function<Error(const net::HttpResponse& response, const std::string& access_key_id)>;
  // Looks at a 2xx answer: nullopt accepts it; an Error refuses it (kTransient ones are
  // retried like a 5xx: EventBridge's throttled entries in a 200 answer).
  using AnswerCheck = std::function<std::optional<Error>(const net::HttpResponse& response)>;

  // Throws Error(kUsage, "bad-config") for an endpoint that is not an http(s) URL or that holds
  // a user name or password; `what` names the setting in that message ("the Lambda endpoint").
  SignedPoster(const SignedPosterOptions& options, std::string_view what);
  SignedPoster(const SignedPoster&) = delete;
  SignedPoster& operator=(const SignedPoster&) = delete;

  // Signs and posts `post`, retrying transient failures (transport errors, kTransient errors
  // from `map_error` or `check`) through the gate until the retry policy gives up, and returns
  // the accepted 2xx answer. Throws Error: what `map_error`/`check` returned when it is not
  // kTransient (at once) or when retries are spent (as kTransient, naming how long it failed);
  // kAccessDenied when no credentials are found (naming where they are looked for); the
  // transport's own non-transient errors (TLS); kCancelled as net::EndpointGate does.
  net::HttpResponse Post(const SignedPost& post, const ErrorMapper& map_error,
                         const AnswerCheck& check = {});

  const std::string& region() const { return signer_.region(); }
  const std::string& endpoint() const { return gate_.endpoint(); }

 private:
  AwsCredentials CurrentCredentials(const std::string& what);

  std::string url_;        // the endpoint without a trailing '/'
  std::string host_;       // the Host header: host[:port]
  std::string base_path_;  // the endpoint's path without a trailing '/'; "" when none
  SigV4Signer signer_;
  std::shared_ptr<CredentialsProvider> credentials_;
  net::HttpClient http_;
  net::EndpointGate gate_;
};

}  // namespace unpackd::aws
