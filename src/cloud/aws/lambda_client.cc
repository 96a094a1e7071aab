#include "cloud/aws/lambda_client.h"

#include "cloud/aws/aws_error.h"
#include "net/uri_encoding.h"

namespace unpackd::aws {
namespace {

std::string What(const std::string& function) { return "Lambda Invoke function " + function; }

}  // namespace

Error MakeLambdaError(const std::string& function, const net::HttpResponse& response,
                      const std::string& access_key_id) {
  const AwsErrorReply reply = ParseJsonErrorReply(response);
  ErrorKind kind = CommonAwsErrorKind(response.status, reply.code, "ResourceNotFoundException");
  if (reply.code == "ResourceConflictException" || reply.code == "ResourceNotReadyException") {
    kind = ErrorKind::kTransient;
  }
  return MakeAwsError(What(function), response.status, reply, kind, access_key_id,
                      "lambda:InvokeFunction on the function");
}

LambdaClient::LambdaClient(const LambdaClientConfig& config)
    : poster_(RegionalPosterOptions(config, "lambda"), "the Lambda endpoint") {}

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
