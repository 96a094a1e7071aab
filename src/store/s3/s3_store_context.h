// S3StoreContext: what an S3Store shares with the readers and writers it hands out, so they
// stay usable however the caller orders destruction.
#pragma once

#include "store/s3/memory_budget.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_config.h"
#include "store/s3/task_pool.h"

namespace unpackd::s3 {

struct S3StoreContext {
  explicit S3StoreContext(const S3Config& config)
      : client(config), budget(config.memory_budget), uploads(config.upload_concurrency) {}

  S3Client client;
  MemoryBudget budget;  // part buffers of all writers
  TaskPool uploads;     // uploads parts; declared last so it is joined first
};

}  // namespace unpackd::s3
