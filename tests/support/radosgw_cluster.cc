#include "support/radosgw_cluster.h"

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "store_s3/s3_test_support.h"
#include "support/file_object.h"

namespace unpackd::testing {

RadosgwCluster RadosgwCluster::Get() {
  const std::string path = std::string(UNPACKD_RADOSGW_DIR) + "/cluster.json";
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error(
        "no radosgw cluster (" + path +
        " is missing): run these tests through ctest, which starts it as the fixture "
        "\"radosgw\", or start it with tests/tools/radosgw_cluster.py start " UNPACKD_RADOSGW_DIR);
  }
  const nlohmann::json state = nlohmann::json::parse(in);
  return {state.at("endpoint").get<std::string>(), state.at("access_key").get<std::string>(),
          state.at("secret_key").get<std::string>()};
}

std::string RadosgwCluster::UniqueBucket(const std::string& hint) const {
  // Tests of one run are separate processes: the pid tells them apart, a random number
  // tells apart the buckets of one test.
  const std::string bucket = hint + "-" + std::to_string(::getpid()) + "-" +
                             std::to_string(std::random_device{}() % 100000);
  Boto3(bucket, "-", "mb");
  return bucket;
}

std::string RadosgwCluster::Boto3(const std::string& bucket, const std::string& key,
                                  const std::string& args, const std::string& stdin_file) const {
  return RunBoto3As(access_key, secret_key, endpoint, bucket, key, args, stdin_file);
}

int RadosgwCluster::Extract(const std::filesystem::path& home, const std::string& bucket,
                            const std::string& key, const std::string& secret,
                            std::string& output) const {
  const std::string command =
      "env HOME=" + ShellQuote(home.string()) + " AWS_ACCESS_KEY_ID=" + access_key +
      " AWS_SECRET_ACCESS_KEY=" + ShellQuote(secret) +
      " AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true " UNPACKD_BIN_PATH " extract " +
      ShellQuote("s3://" + bucket + "/" + key) + " --endpoint " + endpoint;
  const auto log = home / "extract.log";
  const int status = RunCommand(command + " > " + ShellQuote(log.string()) + " 2>&1");
  output = ReadFileString(log);
  return status;
}

}  // namespace unpackd::testing
