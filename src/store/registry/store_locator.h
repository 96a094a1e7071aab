// Turns the URLs users type into a store and an object reference.
//
//   s3://bucket/key                 S3 (or any S3-compatible server, see S3 options)
//   file:///abs/path/bucket/key     the local store; the path must lie under its root, and
//   /abs/path or relative/path        the first folder below the root is the bucket
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "store/object_store.h"

namespace unpackd {

enum class StoreScheme { kLocal, kS3 };

struct Location {
  StoreScheme scheme = StoreScheme::kLocal;
  ObjectRef ref;  // key may be empty for a bucket-only or prefix location

  std::string ToUrl(const std::filesystem::path& local_root) const;
};

// Throws Error(kUsage) naming the URL when it is malformed (code "malformed-url": "s3:/b/k",
// "s3:b/k", "s3:///k", a scheme typed without its "//" is never taken for a path), lies outside
// the local root, or names no bucket.
Location ParseLocation(const std::string& url, const std::filesystem::path& local_root);

// True if `text` looks like a URL or path rather than a destination template.
bool LooksLikeLocation(const std::string& text);

}  // namespace unpackd
