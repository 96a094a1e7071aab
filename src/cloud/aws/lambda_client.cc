#include "cloud/aws/lambda_client.h"

#include "cloud/aws/aws_error.h"
#include "net/uri_encoding.h"

namespace unpackd::aws {
namespace {

std::string ResolveRegion(const LambdaClientConfig& config) {
  if (!config.region.empty()) return config.region;
  return config.fallback_region.empty() ? std::string("us-east-1") : config.fallback_region;
}

SignedPosterOptions PosterOptions(const LambdaClientConfig& config) {
  const std::string region = ResolveRegion(config);
  SignedPosterOptions options = CommonPosterOptions(
      config, "lambda", region,
      config.endpoint.empty() ? "https://lambda." + region + ".amazonaws.com" : config.endpoint);
  options.http.request_timeout = config.request_timeout;
  return options;
}

std::string What(const std::string& function) { return "Lambda Invoke function " + function; }

}  // namespace

Error MakeLambdaError(const std::string& function, const net::HttpResponse& response,
                      const std::string& access_key_id) {
  const AwsErrorReply reply = ParseJsonErrorReply(response);
  ErrorKind kind = CommonAwsErrorKind(response.status, reply.code);
  if (reply.code == "ResourceNotFoundException") {
    kind = ErrorKind::kNotFound;
  } else if (reply.code == "ResourceConflictException" ||
             reply.code == "ResourceNotReadyException") {
    kind = ErrorKind::kTransient;
  }
  return MakeAwsError(What(function), response.status, reply, kind, access_key_id,
                      "lambda:InvokeFunction on the function");
}

LambdaClient::LambdaClient(const LambdaClientConfig& config)
    : poster_(PosterOptions(config), "the Lambda endpoint") {}

void LambdaClient::InvokeAsync(const std::string& function, const std::string& payload) {
  if (function.empty()) {
    throw Error(ErrorKind::kUsage, "Lambda Invoke: no function named", "bad-config");
  }
  SignedPost post;
  post.what = What(function);
  post.path = "/2015-03-31/functions/" + net::UriEncodeComponent(function) + "/invocations";
  post.headers = {{"content-type", "application/json"}, {"x-amz-invocation-type", "Event"}};
  post.body = payload;
  // Any 2xx counts: an endpoint that ran the function at once (200) has still delivered, and
  // calling again would deliver twice.
  poster_.Post(post, [&](const net::HttpResponse& response, const std::string& access_key_id) {
    return MakeLambdaError(function, response, access_key_id);
  });
}

}  // namespace unpackd::aws
