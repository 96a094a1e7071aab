#include "support/s3_serve_harness.h"

#include <nlohmann/json.hpp>

#include "store_s3/s3_test_support.h"
#include "support/file_object.h"
#include "util/error.h"

namespace unpackd::testing {

std::string S3EventDocument(const std::string& bucket, const std::string& key,
                            const std::string& etag, const std::string& sequencer) {
  nlohmann::json object = {{"key", key}, {"size", 100}, {"eTag", etag}, {"sequencer", sequencer}};
  nlohmann::json record = {
      {"eventVersion", "2.1"},
      {"eventSource", "aws:s3"},
      {"awsRegion", "us-east-1"},
      {"eventTime", "2026-11-30T00:00:00.000Z"},
      {"eventName", "ObjectCreated:Put"},
      {"s3", {{"s3SchemaVersion", "1.0"}, {"bucket", {{"name", bucket}}}, {"object", object}}}};
  return nlohmann::json{{"Records", {record}}}.dump();
}

S3ServeHarness::S3ServeHarness(const S3rverFixture& server, std::string bucket,
                               std::filesystem::path scratch)
    : endpoint_(server.endpoint()),
      bucket_(std::move(bucket)),
      scratch_(std::move(scratch)),
      executor_({1, 1}),
      budget_(64 << 20),
      store_(TestS3Config(endpoint_), executor_, budget_) {}

std::vector<std::string> S3ServeHarness::ServeEnvironment() const {
  return {"HOME=" + scratch_.string(),      "AWS_ACCESS_KEY_ID=S3RVER",
          "AWS_SECRET_ACCESS_KEY=S3RVER",   "AWS_REGION=us-east-1",
          "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_S3=" + endpoint_};
}

std::string S3ServeHarness::Upload(const std::string& key, const MemberMap& members) {
  const auto zip = scratch_ / "upload.zip";
  MakeZipWithPython(zip, members);
  return UploadBytes(key, ReadFileBytes(zip));
}

std::string S3ServeHarness::UploadBytes(const std::string& key,
                                        const std::vector<std::byte>& bytes) {
  auto writer = store_.NewWriter({bucket_, key}, {});
  writer->Append(bytes);
  writer->Commit();
  return store_.Stat({bucket_, key}).etag;
}

bool S3ServeHarness::Exists(const std::string& key) {
  try {
    store_.Stat({bucket_, key});
    return true;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return false;
    throw;
  }
}

}  // namespace unpackd::testing
