// Test helpers: RandomAccessObjects over a local file or over bytes in memory, so archive
// code can be tested without a store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/object_store.h"

namespace unpackd::testing {

// Reads a file through pread; the file must exist. Thread-safe.
std::unique_ptr<RandomAccessObject> OpenFileObject(const std::filesystem::path& path);

// Serves a copy of `bytes`.
std::unique_ptr<RandomAccessObject> MakeMemoryObject(std::vector<std::byte> bytes);
std::unique_ptr<RandomAccessObject> MakeMemoryObject(const std::string& bytes);

std::vector<std::byte> ReadFileBytes(const std::filesystem::path& path);
std::string ReadFileString(const std::filesystem::path& path);

// Runs a shell command; returns its exit status. Output goes to the test log.
int RunCommand(const std::string& command);
// Runs a shell command and returns its stdout; throws if it exits non-zero.
std::string RunCommandOutput(const std::string& command);

// Quotes `s` for a POSIX shell.
std::string ShellQuote(const std::string& s);

// Debian's python3 (with boto3); falls back to `python3` on PATH.
std::string Python();

// Path of a file in tests/tools.
std::string ToolPath(const std::string& name);

}  // namespace unpackd::testing
