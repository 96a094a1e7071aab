#include "store/registry/store_locator.h"

#include "util/ascii.h"
#include "util/error.h"

namespace unpackd {
namespace {

// "s3:/b/k", "s3:b/k", "file:x": one of our schemes without its "//". Taken as a path, it would
// name a folder "s3:" in the local store, which is never what was meant.
bool IsSchemeWithoutSlashes(const std::string& text) {
  for (const std::string_view scheme : {"s3:", "file:"}) {
    if (AsciiLower(text.substr(0, scheme.size())) == scheme &&
        !text.substr(scheme.size()).starts_with("//")) {
      return true;
    }
  }
  return false;
}

Error MalformedUrl(const std::string& url, const std::string& why) {
  return Error(ErrorKind::kUsage,
               "'" + url + "' is a malformed URL (" + why +
                   "): write s3://bucket/key, file:///absolute/path or a plain path",
               "malformed-url");
}

}  // namespace

bool LooksLikeLocation(const std::string& text) {
  return text.starts_with("s3://") || text.starts_with("file://") || text.starts_with("/") ||
         text.starts_with("./") || text.starts_with("../") || IsSchemeWithoutSlashes(text);
}

std::string Location::ToUrl(const std::filesystem::path& local_root) const {
  if (scheme == StoreScheme::kS3) return "s3://" + ref.bucket + "/" + ref.key;
  return "file://" +
         (std::filesystem::absolute(local_root).lexically_normal() / ref.bucket / ref.key).string();
}

Location ParseLocation(const std::string& url, const std::filesystem::path& local_root) {
  Location loc;
  if (IsSchemeWithoutSlashes(url)) throw MalformedUrl(url, "'//' must follow the scheme");
  if (url.starts_with("s3://")) {
    loc.scheme = StoreScheme::kS3;
    const std::string rest = url.substr(5);
    const size_t slash = rest.find('/');
    loc.ref.bucket = rest.substr(0, slash);
    loc.ref.key = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (loc.ref.bucket.empty()) throw MalformedUrl(url, "it names no bucket");
    return loc;
  }
  if (url.find("://") != std::string::npos && !url.starts_with("file://")) {
    throw Error(ErrorKind::kUsage,
                "unsupported URL scheme in '" + url + "' (use s3://, file:// or a path)");
  }
  std::string path_text = url.starts_with("file://") ? url.substr(7) : url;
  if (url.starts_with("file://") && !path_text.starts_with("/")) {
    throw Error(ErrorKind::kUsage, "'" + url + "' must be file:///absolute/path");
  }
  namespace fs = std::filesystem;
  const fs::path root = fs::absolute(local_root).lexically_normal();
  const fs::path path = fs::absolute(fs::path(path_text)).lexically_normal();
  const fs::path relative = path.lexically_relative(root);
  if (relative.empty() || *relative.begin() == ".." || relative == ".") {
    throw Error(ErrorKind::kUsage, "'" + url + "' is not inside the local store root '" +
                                       root.string() + "' (set --root or UNPACKD_ROOT)");
  }
  auto it = relative.begin();
  loc.ref.bucket = it->string();
  std::string key;
  for (++it; it != relative.end(); ++it) {
    if (it->empty()) continue;
    if (!key.empty()) key += '/';
    key += it->string();
  }
  loc.ref.key = key;
  return loc;
}

}  // namespace unpackd
