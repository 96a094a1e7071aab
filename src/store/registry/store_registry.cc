#include "store/registry/store_registry.h"

#include "net/endpoint_url.h"
#include "store/local/local_store.h"
#include "store/s3/s3_store.h"
#include "util/error.h"

namespace unpackd {

StoreRegistry::StoreRegistry(StoreEnvironment environment) : environment_(std::move(environment)) {
  MutexLock lock(mutex_);
  factories_[StoreScheme::kLocal] = [](const StoreEnvironment& env) {
    return MakeLocalStore(env.local_root);
  };
  factories_[StoreScheme::kS3] = [](const StoreEnvironment& env) -> std::unique_ptr<ObjectStore> {
    if (!env.executor || !env.part_buffers) {
      throw Error(ErrorKind::kInternal, "the S3 store needs an executor and a part budget");
    }
    // The endpoint may come from the environment, past the CLI's check of --endpoint: a port
    // out of range would otherwise surface only as a failed request.
    if (!env.s3.endpoint.empty()) {
      if (auto problem = net::EndpointUrlProblem(env.s3.endpoint)) {
        throw Error(ErrorKind::kUsage, *problem, "invalid-endpoint");
      }
    }
    return s3::MakeS3Store(env.s3, *env.executor, *env.part_buffers);
  };
}

void StoreRegistry::Register(StoreScheme scheme, Factory factory) {
  MutexLock lock(mutex_);
  factories_[scheme] = std::move(factory);
}

ObjectStore& StoreRegistry::For(StoreScheme scheme) {
  MutexLock lock(mutex_);
  if (auto it = stores_.find(scheme); it != stores_.end()) return *it->second;
  auto factory = factories_.find(scheme);
  if (factory == factories_.end()) {
    throw Error(ErrorKind::kUsage, "no store is registered for this scheme");
  }
  auto store = factory->second(environment_);
  ObjectStore& result = *store;
  stores_.emplace(scheme, std::move(store));
  return result;
}

RetryTotals StoreRegistry::retry_totals() {
  MutexLock lock(mutex_);
  RetryTotals sum;
  for (const auto& [scheme, store] : stores_) {
    const RetryTotals one = store->retry_totals();
    sum.retries += one.retries;
    sum.waited_seconds += one.waited_seconds;
  }
  return sum;
}

s3::ThrottleTotals StoreRegistry::throttle_totals() {
  MutexLock lock(mutex_);
  s3::ThrottleTotals sum;
  for (const auto& [scheme, store] : stores_) {
    // Throttling and the limit are the S3 store's own; other stores have neither.
    auto* s3 = dynamic_cast<s3::S3Store*>(store.get());
    if (s3 == nullptr) continue;
    const s3::ThrottleTotals one = s3->throttle_totals();
    sum.throttled += one.throttled;
    sum.latency_cuts += one.latency_cuts;
    if (one.concurrency_start == 0) continue;
    if (sum.concurrency_start == 0 || one.concurrency_min < sum.concurrency_min) {
      sum.concurrency_start = one.concurrency_start;
      sum.concurrency_min = one.concurrency_min;
      sum.concurrency_final = one.concurrency_final;
    }
  }
  return sum;
}

}  // namespace unpackd
