#include "support/job_runner.h"

namespace unpackd::testing {
namespace {

class FunctionSink final : public ProgressSink {
 public:
  explicit FunctionSink(std::function<void(const ProgressEvent&)> f) : f_(std::move(f)) {}
  void OnProgress(const ProgressEvent& event) noexcept override { f_(event); }

 private:
  std::function<void(const ProgressEvent&)> f_;
};

}  // namespace

ExtractJob MakeTestJob(const ObjectRef& archive, const JobOptions& options) {
  MemoryPlanRequest request;
  request.memory_bytes = options.memory_bytes;
  request.jobs = options.jobs;
  ExtractJob job;
  job.archive = archive;
  job.pinned_etag = options.pinned_etag;
  job.destination_template = options.destination_template;
  job.destination_bucket = options.destination_bucket;
  job.on_error = options.on_error;
  job.prune = options.prune;
  job.verify_first = options.verify_first;
  job.shard = options.shard;
  job.fan_out = options.fan_out;
  job.server_copy = options.server_copy;
  job.mime_types_path = options.mime_types_path;
  job.limits = options.limits;
  job.open = options.open;
  job.memory = MakeMemoryPlan(request);
  return job;
}

ExtractResult RunJob(ObjectStore& source, const ObjectRef& archive, ObjectStore& destination,
                     const JobOptions& options) {
  const ExtractJob job = MakeTestJob(archive, options);
  FunctionSink sink(options.on_progress);
  Executor executor(job.memory.executor_shape());
  JobServices services;
  services.source_store = &source;
  services.destination_store = &destination;
  services.executor = &executor;
  services.cancel = options.cancel;
  services.progress = options.on_progress ? &sink : nullptr;
  return RunExtractJob(job, services);
}

}  // namespace unpackd::testing
