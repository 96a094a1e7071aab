// Helpers shared by the tests that run `unpackd serve` against s3rver (serve_http_test,
// serve_sqs_test): archives uploaded to a bucket, the AWS S3 event record that announces one,
// and a series read from the service's /metrics.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "store/object_store.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "util/error.h"

namespace unpackd::testing {

// Uploads a zip of `members` (made by Python's zipfile in `scratch`) and returns its ETag.
inline std::string UploadZip(ObjectStore& store, const std::filesystem::path& scratch,
                             const std::string& bucket, const std::string& key,
                             const MemberMap& members) {
  const auto zip = scratch / "upload.zip";
  MakeZipWithPython(zip, members);
  auto writer = store.NewWriter({bucket, key}, {});
  writer->Append(ReadFileBytes(zip));
  writer->Commit();
  return store.Stat({bucket, key}).etag;
}

inline bool ObjectExists(ObjectStore& store, const std::string& bucket, const std::string& key) {
  try {
    store.Stat({bucket, key});
    return true;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return false;
    throw;
  }
}

// An AWS S3 event document for one PUT, as S3 sends it (keys form-encoded by the caller).
inline std::string S3EventDocument(const std::string& bucket, const std::string& key,
                                   const std::string& etag,
                                   const std::string& sequencer = "0055AED6DCD90281E5") {
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

// The value of `series` (e.g. unpackd_jobs{state="done"}) at the service's /metrics: 0 when
// absent, -1 when the service does not answer.
inline double MetricValue(int port, const std::string& series) {
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Get("/metrics");
  if (!res || res->status != 200) return -1;
  const size_t at = res->body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(res->body.substr(at + series.size() + 2));
}

}  // namespace unpackd::testing
