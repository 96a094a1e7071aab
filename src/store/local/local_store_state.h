// LocalStoreState: what a LocalStore shares with the writers and readers it hands out (which may
// outlive it): the root, its folder cache, the temp file namer, where metadata goes and the fsync
// option.
#pragma once

#include <filesystem>
#include <string>

#include "store/local/folder_cache.h"
#include "store/local/local_store.h"
#include "store/local/metadata_mode.h"
#include "store/local/temp_files.h"
#include "util/unique_fd.h"

namespace unpackd::local {

struct LocalStoreState {
  LocalStoreState(std::filesystem::path root_path, UniqueFd root_fd,
                  const LocalStoreOptions& options)
      : root(std::move(root_path)),
        folders(std::move(root_fd), options.max_open_folders),
        fsync(options.fsync),
        temp_files(options.unnamed_temp_files),
        metadata(options.metadata_xattrs) {}

  // The folder of `bucket` (validated, never through a symlink), for an operation described by
  // `context`. Throws kUsage for an invalid name, kNotFound if there is no such folder.
  FolderPtr OpenBucket(const std::string& bucket, const std::string& context);

  const std::filesystem::path root;  // for messages: everything is opened through `folders`
  FolderCache folders;
  const bool fsync;
  TempFiles temp_files;
  MetadataMode metadata;
};

}  // namespace unpackd::local
