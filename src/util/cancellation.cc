#include "util/cancellation.h"

#include <utility>

namespace unpackd {

void CancellationToken::Cancel() {
  MutexLock lock(mutex_);
  if (cancelled_.exchange(true, std::memory_order_relaxed)) return;
  // Under the lock, so a subscription being destroyed waits until its callback is done.
  for (auto& [id, wake] : subscribers_) wake();
}

CancellationToken::Subscription CancellationToken::OnCancel(std::function<void()> wake) const {
  MutexLock lock(mutex_);
  const uint64_t id = next_id_++;
  subscribers_.emplace(id, std::move(wake));
  return Subscription(this, id);
}

CancellationToken::Subscription::Subscription(Subscription&& other) noexcept
    : token_(std::exchange(other.token_, nullptr)), id_(other.id_) {}

CancellationToken::Subscription& CancellationToken::Subscription::operator=(
    Subscription&& other) noexcept {
  if (this != &other) {
    Subscription old(std::move(*this));
    token_ = std::exchange(other.token_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

CancellationToken::Subscription::~Subscription() {
  if (token_ == nullptr) return;
  MutexLock lock(token_->mutex_);
  token_->subscribers_.erase(id_);
}

}  // namespace unpackd
