#include "cloud/aws/credentials_chain.h"

#include "cloud/aws/container_credentials_provider.h"
#include "cloud/aws/environment_credentials_provider.h"
#include "cloud/aws/imds_credentials_provider.h"
#include "cloud/aws/profile_credentials_provider.h"
#include "util/error.h"

namespace unpackd::aws {

CredentialsChain::CredentialsChain(std::vector<std::unique_ptr<CredentialsProvider>> providers)
    : providers_(std::move(providers)) {}

std::optional<AwsCredentials> CredentialsChain::Fetch() {
  for (auto& provider : providers_) {
    if (auto credentials = provider->Fetch()) return credentials;
  }
  return std::nullopt;
}

CachingCredentialsProvider::CachingCredentialsProvider(std::unique_ptr<CredentialsProvider> inner,
                                                       std::chrono::seconds refresh_margin)
    : inner_(std::move(inner)), refresh_margin_(refresh_margin) {}

std::optional<AwsCredentials> CachingCredentialsProvider::Fetch() {
  MutexLock lock(mutex_);
  const auto now = std::chrono::system_clock::now();
  if (cached_ && (!cached_->expiration || *cached_->expiration - refresh_margin_ > now)) {
    return cached_;
  }
  try {
    cached_ = inner_->Fetch();
  } catch (const Error&) {
    if (cached_ && cached_->expiration && *cached_->expiration > now) return cached_;
    throw;
  }
  return cached_;
}

void CachingCredentialsProvider::Invalidate() {
  MutexLock lock(mutex_);
  cached_.reset();
}

std::shared_ptr<CachingCredentialsProvider> MakeDefaultCredentialsChain(
    const std::string& profile) {
  std::vector<std::unique_ptr<CredentialsProvider>> providers;
  providers.push_back(std::make_unique<EnvironmentCredentialsProvider>());
  providers.push_back(std::make_unique<ProfileCredentialsProvider>(profile));
  providers.push_back(std::make_unique<ContainerCredentialsProvider>());
  providers.push_back(std::make_unique<ImdsCredentialsProvider>());
  return std::make_shared<CachingCredentialsProvider>(
      std::make_unique<CredentialsChain>(std::move(providers)));
}

}  // namespace unpackd::aws
