// RadosgwCluster: the Ceph radosgw that CTest's "radosgw" fixture (tests/CMakeLists.txt,
// tests/tools/radosgw_cluster.py) started for this test run: a real S3 server that checks
// SigV4 signatures, ranges, multipart rules and conditional requests as S3 does, and sends
// real bucket notifications. One cluster serves every test of tests/store_rgw, so each test
// works in buckets of its own (UniqueBucket).
#pragma once

#include <filesystem>
#include <string>

namespace unpackd::testing {

struct RadosgwCluster {
  std::string endpoint;  // http://127.0.0.1:<port>
  std::string access_key;
  std::string secret_key;

  // Reads the fixture's cluster.json. Throws std::runtime_error saying how to start the
  // cluster when it is not running (run the test through ctest, or radosgw_cluster.py start).
  static RadosgwCluster Get();

  // A bucket name no other test uses in this run, created on the server; `hint` makes it
  // recognisable in logs (lower-case letters, digits and '-').
  std::string UniqueBucket(const std::string& hint) const;

  // Runs tests/store_s3/boto3_tool.py against this server with the cluster's key.
  std::string Boto3(const std::string& bucket, const std::string& key, const std::string& args,
                    const std::string& stdin_file = "") const;

  // `unpackd extract s3://<bucket>/<key>` as a user runs it against this server, signing with
  // `secret` (the cluster's own, or a wrong one), with HOME at `home` (its log goes there too).
  // Returns the exit status; the command's output in `output`.
  int Extract(const std::filesystem::path& home, const std::string& bucket, const std::string& key,
              const std::string& secret, std::string& output) const;
};

}  // namespace unpackd::testing
