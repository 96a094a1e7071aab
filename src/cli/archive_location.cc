#include "cli/archive_location.h"

#include <optional>
#include <system_error>

#include "store/key_validation.h"
#include "util/error.h"

namespace unpackd {
namespace {

namespace fs = std::filesystem;

// A path as people type it, not a URL (those always name a store), malformed or not.
bool IsPlainPath(const std::string& argument, const std::optional<Error>& in_store) {
  return !argument.empty() && argument.find("://") == std::string::npos &&
         !(in_store && in_store->code() == "malformed-url");
}

bool IsRegularFile(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(fs::symlink_status(path, error));
}

bool Exists(const fs::path& path) {
  std::error_code error;
  return fs::exists(fs::symlink_status(path, error));
}

// The file at `path` as an object of a store rooted at its folder's parent, the folder being the
// bucket. Throws Error(kUsage) when the folder cannot be a bucket.
ArchiveLocation BesideItsFolder(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const auto refuse = [&](const std::string& why) {
    return Error(ErrorKind::kUsage,
                 "'" + path + "' is a file outside any local store, and " + why +
                     ": move it into a folder of its own and name it there (mkdir d && mv " + path +
                     " d/ && unpackd extract d/" + name + "), or give --root",
                 "archive-outside-store");
  };
  std::error_code error;
  // The store walks below its root without following symlinks: name the folder by its real path.
  const fs::path folder = fs::canonical(fs::absolute(path).parent_path(), error);
  if (error) throw refuse("its folder cannot be resolved: " + error.message());
  if (!folder.has_relative_path()) {
    throw refuse("it lies in '/', which has no parent to serve as the store's root");
  }
  const std::string bucket = folder.filename().string();
  if (auto problem = BucketNameProblem(bucket)) {
    throw refuse("its folder '" + folder.string() + "' cannot be a bucket: the name " + *problem);
  }
  ArchiveLocation located;
  located.local_root = folder.parent_path();
  located.location.scheme = StoreScheme::kLocal;
  located.location.ref = ObjectRef{bucket, name};
  return located;
}

}  // namespace

ArchiveLocation LocateArchive(const std::string& argument, const CliOptions& options) {
  ArchiveLocation in_store;
  in_store.local_root = options.LocalRoot();
  std::optional<Error> problem;
  try {
    in_store.location = ParseLocation(argument, in_store.local_root);
    if (in_store.location.ref.key.empty()) {
      problem = Error(ErrorKind::kUsage, "'" + argument + "' names a bucket, not an archive");
    }
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kUsage) throw;
    problem = e;
  }
  // The current directory is only a default root: a file named by its path is not taken to be
  // an object of it. A root the user configured is, whenever the file lies in one of its buckets.
  const bool beside = options.root.empty() && IsPlainPath(argument, problem) &&
                      IsRegularFile(argument) && (problem || !options.RootConfigured());
  if (beside) return BesideItsFolder(argument);
  if (problem && !options.RootConfigured() && IsPlainPath(argument, problem) && !Exists(argument)) {
    // Not "names a bucket" for a typo in a file name: with no store configured, a file was meant.
    throw Error(ErrorKind::kNotFound, "'" + argument + "': no such file", "no-such-file");
  }
  if (problem) throw *problem;
  return in_store;
}

}  // namespace unpackd
