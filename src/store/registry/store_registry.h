// StoreRegistry: the one place that turns a store scheme into a store. Each scheme has a
// factory; the registry makes each store once, on first use, and owns it. A new kind of store
// is one factory registered here (and a scheme in store_locator.h).
//
// Thread safety: For() may be called from many threads; stores are created under a lock.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>

#include "store/object_store.h"
#include "store/registry/store_locator.h"
#include "store/s3/s3_config.h"
#include "store/s3/throttle_totals.h"
#include "util/executor.h"
#include "util/memory_budget.h"
#include "util/mutex.h"

namespace unpackd {

// What the built-in factories need.
struct StoreEnvironment {
  std::filesystem::path local_root;      // the local store's root
  s3::S3Config s3;                       // the S3 store's configuration
  Executor* executor = nullptr;          // for stores that run I/O tasks; must outlive the registry
  MemoryBudget* part_buffers = nullptr;  // upload buffers (S3 parts); must outlive it too
};

class StoreRegistry {
 public:
  using Factory = std::function<std::unique_ptr<ObjectStore>(const StoreEnvironment&)>;

  // Registers the built-in schemes: kLocal and kS3.
  explicit StoreRegistry(StoreEnvironment environment);

  // Replaces the factory for `scheme` (tests register an in-memory store this way). Only
  // before the scheme's store was first made.
  void Register(StoreScheme scheme, Factory factory);

  // The store for `scheme`, made on first use. Throws kUsage for a scheme with no factory, and
  // whatever the factory throws (kUsage for a malformed endpoint).
  ObjectStore& For(StoreScheme scheme);

  // The retries of every store made so far, added up.
  RetryTotals retry_totals();
  // The throttled answers of the S3 stores made so far, added up, with the concurrency limit
  // of the one whose limit was cut lowest (one S3 store is the usual case).
  s3::ThrottleTotals throttle_totals();

 private:
  const StoreEnvironment environment_;
  Mutex mutex_;
  std::map<StoreScheme, Factory> factories_ GUARDED_BY(mutex_);
  std::map<StoreScheme, std::unique_ptr<ObjectStore>> stores_ GUARDED_BY(mutex_);
};

}  // namespace unpackd
