// Helpers shared by the S3 store tests: a config pointed at a test server, deterministic test
// data generated on the fly, and running the boto3 cross-check tool.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "cloud/aws/static_credentials_provider.h"
#include "store/object_store.h"
#include "store/s3/s3_config.h"
#include "support/file_object.h"
#include "util/error.h"

namespace unpackd::testing {

inline s3::S3Config TestS3Config(const std::string& endpoint,
                                 const std::string& access_key_id = "S3RVER",
                                 const std::string& secret = "S3RVER") {
  s3::S3Config config;
  config.endpoint = endpoint;
  config.region = "us-east-1";
  aws::AwsCredentials credentials;
  credentials.access_key_id = access_key_id;
  credentials.secret_access_key = secret;
  credentials.source = "test";
  config.credentials = std::make_shared<aws::StaticCredentialsProvider>(credentials);
  // Keep retries quick so failure tests stay fast.
  config.retry.time_budget = std::chrono::seconds(2);
  config.retry.max_attempts = 3;
  config.retry.base_delay = std::chrono::milliseconds(1);
  config.retry.max_delay = std::chrono::milliseconds(20);
  config.connect_timeout = std::chrono::milliseconds(2000);
  config.stall_timeout = std::chrono::seconds(5);
  return config;
}

// Byte `offset` of a reproducible pseudo-random stream named by `seed`, so any range of a
// large test object can be checked without keeping the object in memory.
inline std::byte PatternByte(uint64_t seed, uint64_t offset) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + (offset / 8) + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<std::byte>(z >> ((offset % 8) * 8));
}

inline void FillPattern(uint64_t seed, uint64_t offset, std::span<std::byte> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = PatternByte(seed, offset + i);
}

inline std::vector<std::byte> Bytes(const std::string& text) {
  auto span = std::as_bytes(std::span(text.data(), text.size()));
  return {span.begin(), span.end()};
}

// Runs tests/store_s3/boto3_tool.py with Debian's python (which has boto3) as the given key
// and returns its stdout. `stdin_file` (optional) is fed as standard input. Throws if it fails.
inline std::string RunBoto3As(const std::string& access_key_id, const std::string& secret,
                              const std::string& endpoint, const std::string& bucket,
                              const std::string& key, const std::string& args,
                              const std::string& stdin_file = "") {
  const char* source_dir = std::getenv("UNPACKD_SOURCE_DIR");
  // The build's own source folder otherwise (a compile definition: __FILE__ may be relative).
  std::string root = source_dir ? source_dir : UNPACKD_SOURCE_DIR_PATH;
  std::string command = "AWS_ACCESS_KEY_ID=" + ShellQuote(access_key_id) +
                        " AWS_SECRET_ACCESS_KEY=" + ShellQuote(secret) +
                        " AWS_SESSION_TOKEN= AWS_EC2_METADATA_DISABLED=true /usr/bin/python3 " +
                        ShellQuote(root + "/tests/store_s3/boto3_tool.py") + " " +
                        ShellQuote(endpoint) + " " + ShellQuote(bucket) + " " + ShellQuote(key) +
                        " " + args;
  if (!stdin_file.empty()) command += " < " + ShellQuote(stdin_file);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  std::string output;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) output.append(buf.data(), n);
  int status = ::pclose(pipe);
  if (status != 0) throw std::runtime_error("boto3 tool failed (" + command + "): " + output);
  return output;
}

// The same against s3rver (any secret; its one key id).
inline std::string RunBoto3(const std::string& endpoint, const std::string& bucket,
                            const std::string& key, const std::string& args,
                            const std::string& stdin_file = "") {
  return RunBoto3As("S3RVER", "S3RVER", endpoint, bucket, key, args, stdin_file);
}

// `file` uploaded to `ref` through `store`'s writer, in 1 MiB appends.
inline void UploadFile(ObjectStore& store, const ObjectRef& ref,
                       const std::filesystem::path& file) {
  auto writer = store.NewWriter(ref, {});
  const auto bytes = ReadFileBytes(file);
  for (size_t at = 0; at < bytes.size(); at += 1 << 20) {
    writer->Append(std::span(bytes).subspan(at, std::min<size_t>(1 << 20, bytes.size() - at)));
  }
  writer->Commit();
}

// The whole object, read back through `store`.
inline std::string ReadWholeObject(ObjectStore& store, const ObjectRef& ref) {
  auto object = store.OpenForRead(ref);
  std::string out(object->info().size, '\0');
  size_t at = 0;
  while (at < out.size()) {
    const size_t n = object->ReadAt(at, std::as_writable_bytes(std::span(out)).subspan(at));
    if (n == 0) break;
    at += n;
  }
  return out;
}

}  // namespace unpackd::testing
