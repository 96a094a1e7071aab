#include "net/curl_handle_pool.h"

#include <curl/curl.h>

#include <algorithm>

#include "util/error.h"

namespace unpackd::net {
namespace {

// curl_global_init is not thread-safe; a function-local static runs it exactly once, before
// the first handle exists. Deliberately never cleaned up (other libraries may use curl too).
void EnsureCurlGlobalInit() {
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) throw Error(ErrorKind::kInternal, "curl_global_init failed");
}

}  // namespace

void CurlEasyDeleter::operator()(CURL* handle) const { curl_easy_cleanup(handle); }

CurlHandlePool::CurlHandlePool(size_t max_handles)
    : max_handles_(std::max<size_t>(1, max_handles)) {
  EnsureCurlGlobalInit();
}

CurlHandlePool::Lease::~Lease() {
  if (handle_) pool_->Release(std::move(handle_));
}

CurlHandlePool::Lease CurlHandlePool::Acquire() {
  CurlEasyHandle idle;
  {
    MutexLock lock(mutex_);
    while (idle_.empty() && created_ >= max_handles_) available_.Wait(mutex_);
    if (!idle_.empty()) {
      idle = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++created_;
    }
  }
  if (idle) {
    curl_easy_reset(idle.get());
    return Lease(this, std::move(idle));
  }
  CurlEasyHandle handle(curl_easy_init());
  if (!handle) {
    {
      MutexLock lock(mutex_);
      --created_;
    }
    available_.NotifyOne();
    throw Error(ErrorKind::kInternal, "curl_easy_init failed");
  }
  return Lease(this, std::move(handle));
}

void CurlHandlePool::Release(CurlEasyHandle handle) {
  {
    MutexLock lock(mutex_);
    idle_.push_back(std::move(handle));
  }
  available_.NotifyOne();
}

}  // namespace unpackd::net
