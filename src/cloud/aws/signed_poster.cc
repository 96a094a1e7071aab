#include "cloud/aws/signed_poster.h"

#include <span>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/aws_url.h"
#include "cloud/aws/credentials_chain.h"
#include "cloud/aws/hashing.h"
#include "net/uri_encoding.h"

namespace unpackd::aws {
namespace {

std::string WithoutTrailingSlash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

// The endpoint is checked before the members that keep it are built.
const SignedPosterOptions& Checked(const SignedPosterOptions& options, std::string_view what) {
  CheckServiceUrl(options.endpoint, what);
  return options;
}

}  // namespace

SignedPoster::SignedPoster(const SignedPosterOptions& options, std::string_view what)
    : signer_(Checked(options, what).region, options.signing_name),
      credentials_(options.credentials ? options.credentials
                                       : MakeDefaultCredentialsChain(options.profile)),
      http_(options.http),
      gate_(options.endpoint, options.retry, options.cancel) {
  const UrlParts endpoint = SplitUrl(options.endpoint);
  host_ = endpoint.authority;
  base_path_ = WithoutTrailingSlash(endpoint.path);
  url_ = endpoint.scheme + "://" + endpoint.authority;
}

AwsCredentials SignedPoster::CurrentCredentials(const std::string& what) {
  std::optional<AwsCredentials> credentials = credentials_->Fetch();
  if (!credentials) {
    throw Error(ErrorKind::kAccessDenied,
                what +
                    ": no AWS credentials found: set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or configure a profile (AWS_PROFILE), or run with "
                    "a container or EC2 instance role",
                "no-credentials");
  }
  return *credentials;
}

net::HttpResponse SignedPoster::Post(const SignedPost& post, const ErrorMapper& map_error,
                                     const AnswerCheck& check) {
  std::string path = base_path_ + post.path;
  if (path.empty()) path = "/";
  // Every service but S3 signs the path encoded once more than it is sent.
  const std::string canonical_uri = net::UriEncodePath(path);
  const std::string payload_hash = Sha256Hex(post.body);
  bool refreshed_credentials = false;
  net::EndpointGate::Passage passage(gate_, post.what);
  for (;;) {
    passage.WaitForTurn();
    const AwsCredentials credentials = CurrentCredentials(post.what);
    SigningRequest signing;
    signing.method = "POST";
    signing.canonical_uri = canonical_uri;
    signing.headers = post.headers;
    signing.headers.emplace_back("host", host_);
    signing.payload_hash = payload_hash;
    std::string authorization =
        signer_.AddAuthHeaders(signing, credentials, std::chrono::system_clock::now());

    net::HttpRequest request;
    request.method = "POST";
    request.url = url_ + path;
    request.headers = std::move(signing.headers);
    request.headers.emplace_back("Authorization", std::move(authorization));
    request.body = std::as_bytes(std::span(post.body.data(), post.body.size()));
    request.abort_on = post.abort_on;
    request.timeout = post.timeout;

    net::HttpResponse response;
    try {
      response = http_.Perform(request);
    } catch (const Error& e) {
      // No answer: a transport failure a retry may fix waits its turn, anything else is final.
      if (e.kind() != ErrorKind::kTransient) throw;
      passage.Failed(e);  // throws when no retry is left
      continue;
    }
    std::optional<Error> error;
    if (response.status < 200 || response.status >= 300) {
      error = map_error(response, credentials.access_key_id);
    } else if (check) {
      error = check(response);
    }
    if (!error) {
      passage.Answered();
      return response;
    }
    auto* caching = dynamic_cast<CachingCredentialsProvider*>(credentials_.get());
    if (!refreshed_credentials && IsExpiredTokenCode(error->code()) && caching != nullptr) {
      // Temporary credentials ran out between the cache's refresh check and the server.
      caching->Invalidate();
      refreshed_credentials = true;
      passage.Answered();
      continue;
    }
    if (error->kind() != ErrorKind::kTransient) {
      passage.Answered();
      throw *error;
    }
    passage.Failed(*error);
  }
}

}  // namespace unpackd::aws
