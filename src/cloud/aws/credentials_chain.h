// The AWS SDKs' default credential chain, with caching and refresh of temporary credentials.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "cloud/aws/aws_credentials.h"
#include "util/mutex.h"

namespace unpackd::aws {

// Tries providers in order; the first that returns credentials wins.
class CredentialsChain : public CredentialsProvider {
 public:
  explicit CredentialsChain(std::vector<std::unique_ptr<CredentialsProvider>> providers);
  std::optional<AwsCredentials> Fetch() override;

 private:
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

// Remembers what `inner` returned and asks again only when those credentials are within
// `refresh_margin` of their expiration (long-term keys are fetched once). If refreshing
// fails while the old credentials are still valid, keeps using them. Thread-safe.
class CachingCredentialsProvider : public CredentialsProvider {
 public:
  explicit CachingCredentialsProvider(
      std::unique_ptr<CredentialsProvider> inner,
      std::chrono::seconds refresh_margin = std::chrono::minutes(5));
  std::optional<AwsCredentials> Fetch() override;

  // Forgets the cache so the next Fetch asks `inner` again (after S3 said ExpiredToken).
  void Invalidate();

 private:
  std::unique_ptr<CredentialsProvider> inner_;
  const std::chrono::seconds refresh_margin_;
  Mutex mutex_;
  std::optional<AwsCredentials> cached_ GUARDED_BY(mutex_);
};

// Environment, then the profile files (`profile`, or AWS_PROFILE, or "default"), then the
// container endpoint, then EC2 IMDSv2; cached and refreshed five minutes before expiry.
std::shared_ptr<CachingCredentialsProvider> MakeDefaultCredentialsChain(const std::string& profile);

}  // namespace unpackd::aws
