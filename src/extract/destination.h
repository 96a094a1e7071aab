// Where an archive's members go: a bucket and a key prefix expanded from a template.
//
// Template placeholders, all taken from the archive's key:
//   {dir}  the folder of the archive ("a/b" for "a/b/result.zip"; empty at the bucket root)
//   {name} the archive's file name ("result.zip")
//   {stem} the name without its archive suffix ("result"): the last extension, or both parts
//          of a compressed tar's (result.tar.gz and result.tgz are both "result")
//   {ext}  that suffix without the dot ("zip", "tar.gz")
//   {path} the member's normalized path; must appear once, at the end
// Empty segments left by an empty placeholder are dropped. The default, "{dir}/{stem}/{path}",
// is the seed's rule: a/b/result.zip -> a/b/result/<member path>.
#pragma once

#include <string>

namespace unpackd {

inline constexpr const char* kDefaultDestinationTemplate = "{dir}/{stem}/{path}";

struct Destination {
  std::string bucket;
  std::string prefix;  // empty, or ends with '/'

  std::string KeyFor(const std::string& member_path) const { return prefix + member_path; }
  // The manifest's key; a member may not use it (see plan).
  std::string ManifestKey() const { return prefix + ".unpackd/manifest.json"; }
  // Where member writers keep their multipart upload records (store/upload_record.h), under
  // the same reserved folder as the manifest.
  std::string UploadRecordsPrefix() const { return prefix + ".unpackd/uploads/"; }
};

// Throws Error(kUsage) for an unknown placeholder or a template not ending in {path}.
Destination ExpandDestination(const std::string& dest_template, const std::string& bucket,
                              const std::string& archive_key);

}  // namespace unpackd
