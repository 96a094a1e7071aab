// S3StoreContext: what an S3Store shares with the readers and writers it hands out, so they
// stay usable however the caller orders destruction.
#pragma once

#include <atomic>

#include "store/s3/s3_client.h"
#include "store/s3/s3_config.h"
#include "util/executor.h"
#include "util/memory_budget.h"

namespace unpackd::s3 {

struct S3StoreContext {
  S3StoreContext(const S3Config& config, Executor& executor, MemoryBudget& part_buffers)
      : client(config), budget(part_buffers), executor(executor) {}

  S3Client client;
  // Set once the server has answered that it cannot copy ranges (UploadPartCopy): later
  // copies are refused at once instead of each starting a multipart upload to learn it again.
  std::atomic<bool> range_copy_unsupported{false};
  MemoryBudget& budget;  // part buffers of all writers; outlives the store
  Executor& executor;    // part uploads run on its I/O lane; outlives the store
};

}  // namespace unpackd::s3
