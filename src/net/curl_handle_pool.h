// CurlHandlePool: a bounded set of reusable libcurl easy handles.
//
// Each easy handle keeps its own live connections between requests (curl_easy_reset keeps
// them), so borrowing a handle from the pool is what gives keep-alive reuse; the pool's bound
// is the maximum number of concurrent requests, and thus of open connections, per store.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "util/mutex.h"

typedef void CURL;

namespace unpackd::net {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const;
};
using CurlEasyHandle = std::unique_ptr<CURL, CurlEasyDeleter>;

class CurlHandlePool {
 public:
  // At most `max_handles` handles exist at once (at least 1).
  explicit CurlHandlePool(size_t max_handles);
  CurlHandlePool(const CurlHandlePool&) = delete;
  CurlHandlePool& operator=(const CurlHandlePool&) = delete;

  // A borrowed handle; returns itself to the pool on destruction.
  class Lease {
   public:
    Lease(CurlHandlePool* pool, CurlEasyHandle handle) : pool_(pool), handle_(std::move(handle)) {}
    Lease(Lease&&) = default;
    ~Lease();
    CURL* get() const { return handle_.get(); }

   private:
    CurlHandlePool* pool_;
    CurlEasyHandle handle_;
  };

  // Returns an idle handle (reset to defaults, connections kept), creating one if fewer than
  // max_handles exist, otherwise blocking until one is returned. Thread-safe. Throws kInternal
  // if libcurl cannot create a handle.
  Lease Acquire();

 private:
  void Release(CurlEasyHandle handle);

  const size_t max_handles_;
  Mutex mutex_;
  CondVar available_;
  std::vector<CurlEasyHandle> idle_ GUARDED_BY(mutex_);
  size_t created_ GUARDED_BY(mutex_) = 0;
};

}  // namespace unpackd::net
