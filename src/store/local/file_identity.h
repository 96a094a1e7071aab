// What tells one version of a data file from another: its ETag, and the checks a reader repeats
// to know that the file it opened is still the one under its key, unmodified.
//
// ETag: "<inode>-<size>-<mtime ns>" in hex, from stat; content is never hashed. Every commit
// creates a new inode, so the ETag changes whenever an object is replaced.
#pragma once

#include <sys/stat.h>

#include <string>

namespace unpackd::local {

std::string EtagOf(const struct stat& st);

// The same inode on the same device.
bool SameFile(const struct stat& a, const struct stat& b);

// The same file, and neither its size nor its modification time changed.
bool SameContent(const struct stat& a, const struct stat& b);

}  // namespace unpackd::local
