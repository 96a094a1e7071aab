#include "lambda/lambda_function.h"

#include <filesystem>

#include "cloud/aws/lambda_client.h"
#include "cloud/aws/sqs_client.h"
#include "lambda/self_invoke.h"
#include "lambda/sqs_continuations.h"
#include "net/http_client.h"
#include "notify/aws_delivery.h"
#include "notify/http_delivery.h"
#include "notify/target_config.h"
#include "util/error.h"

namespace unpackd::lambda {
namespace {

std::ostream& Required(std::ostream* out) {
  if (out == nullptr) throw Error(ErrorKind::kInternal, "LambdaFunction without a log");
  return *out;
}

// The deadline watch needs a service-lane thread; everything else runs on the job's lanes.
ExecutorShape ShapeFor(const MemoryPlan& plan) {
  ExecutorShape shape = plan.executor_shape();
  shape.service_threads = 1;
  return shape;
}

// The package carries a CA bundle because Amazon Linux keeps its certificates elsewhere than
// Debian's libcurl looks; an explicit AWS_CA_BUNDLE still wins.
s3::S3Config WithPackagedCaBundle(s3::S3Config s3, const LambdaSettings& settings) {
  if (!s3.ca_bundle.empty()) return s3;
  const std::filesystem::path packaged =
      std::filesystem::path(settings.task_root) / "ca-certificates.crt";
  std::error_code ec;
  if (std::filesystem::is_regular_file(packaged, ec)) s3.ca_bundle = packaged.string();
  return s3;
}

ServiceConfig LoadConfig(const FunctionEnvironment& environment, const LambdaSettings& settings) {
  const std::string& path =
      environment.config_path.empty() ? settings.config_path : environment.config_path;
  return LoadServiceConfig(path, environment.env);
}

}  // namespace

// Continuations go back to the queue that feeds the function when it says which, else to the
// function itself. Either way the hand-over happens inside the safety margin: it may not wait
// out a long outage (the invocation then fails, and AWS's retry resumes the job).
std::unique_ptr<ContinuationSender> LambdaFunction::MakeContinuations(
    const FunctionEnvironment& environment, const s3::S3Config& s3) const {
  net::RetryPolicy retry = s3.retry;
  retry.time_budget = std::chrono::seconds(10);
  if (!settings_.continuation_queue_url.empty()) {
    aws::SqsClientConfig client;
    client.queue_url = settings_.continuation_queue_url;
    client.endpoint = environment.env("AWS_ENDPOINT_URL_SQS");
    client.fallback_region = s3.region;
    client.credentials = s3.credentials;
    client.profile = s3.profile;
    client.ca_bundle = s3.ca_bundle;
    client.retry = retry;
    return std::make_unique<SqsContinuations>(client);
  }
  aws::LambdaClientConfig client;
  client.endpoint = environment.lambda_endpoint.empty() ? environment.env("AWS_ENDPOINT_URL_LAMBDA")
                                                        : environment.lambda_endpoint;
  client.fallback_region = s3.region;
  client.credentials = s3.credentials;
  client.profile = s3.profile;
  client.ca_bundle = s3.ca_bundle;
  client.retry = retry;
  return std::make_unique<SelfInvoke>(settings_.function_name, client);
}

LambdaFunction::LambdaFunction(const FunctionEnvironment& environment)
    : log_(Required(environment.log)),
      settings_(LoadLambdaSettings(environment.env)),
      config_(LoadConfig(environment, settings_)),
      executor_(ShapeFor(settings_.plan)),
      part_buffers_(settings_.plan.part_buffers) {
  const s3::S3Config s3 = WithPackagedCaBundle(environment.s3, settings_);
  ObjectStore* store = environment.store;
  if (store == nullptr) {
    s3::S3Config for_jobs = s3;
    for_jobs.max_connections = std::max(for_jobs.max_connections, settings_.plan.max_connections);
    stores_ = std::make_unique<StoreRegistry>(
        StoreEnvironment{settings_.task_root, for_jobs, &executor_, &part_buffers_});
    store = &stores_->For(StoreScheme::kS3);
  }
  notify_http_ = std::make_unique<net::HttpClient>(notify::DeliveryHttpOptions(s3.ca_bundle));
  // AWS targets (the seed's "alert-api" Lambda, SNS, EventBridge) sign with the function's own
  // credentials.
  const notify::AwsTargetEnvironment aws{s3.credentials, s3.profile, s3.region, s3.ca_bundle};
  for (const auto& [name, target] : config_.targets) {
    targets_.emplace(name, notify::MakeTarget(notify::ResolveTarget(target), *notify_http_, aws));
  }
  ContinuationSender* continuations = environment.continuations;
  if (continuations == nullptr) {
    own_continuations_ = MakeContinuations(environment, s3);
    continuations = own_continuations_.get();
  }
  HandlerServices services;
  services.config = &config_;
  services.settings = &settings_;
  services.store = store;
  services.executor = &executor_;
  services.continuations = continuations;
  services.targets = &targets_;
  services.log = &log_;
  handler_ = std::make_unique<InvocationHandler>(services);
}

LambdaFunction::~LambdaFunction() = default;

}  // namespace unpackd::lambda
