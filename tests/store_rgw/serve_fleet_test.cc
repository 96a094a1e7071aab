// A fleet of `unpackd serve` workers (docs/scaling.md) on the real chain: radosgw publishes
// its bucket events over AMQP into RabbitMQ, three serve processes consume the one queue as
// competing consumers and share nothing else but radosgw. An archive above the shard bounds
// is fanned out into shard jobs on the same queue; one worker is killed with SIGKILL while it
// runs a shard. The broker hands that worker's deliveries to the others, and the archive
// still ends in byte-exact objects, one manifest and one notification. Requests go through
// the fault proxy's latency so that a shard takes long enough to be killed in.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cloud/aws/hashing.h"
#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/fault_proxy_fixture.h"
#include "support/http_receiver.h"
#include "support/rabbitmq_fixture.h"
#include "support/radosgw_cluster.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

using std::chrono::seconds;

constexpr int kWorkers = 3;
constexpr int kMembers = 60;
constexpr int kMembersPerShard = 10;

int PortOf(const std::string& endpoint) {
  return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
}

// The log lines of `log` (JSON, one a line) whose "msg" is `message`.
std::vector<nlohmann::json> LogLines(const std::string& log, const std::string& message) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_object() && json.value("msg", "") == message) lines.push_back(json);
  }
  return lines;
}

class ServeFleetTest : public ::testing::Test {
 protected:
  ServeFleetTest()
      : cluster_(testing::RadosgwCluster::Get()),
        bucket_(cluster_.UniqueBucket("fleet")),
        receiver_([](const testing::ReceivedRequest&) { return testing::ReceiverAnswer(200); }) {}

  std::unique_ptr<testing::ServeProcess> StartWorker(int index, const std::string& s3_endpoint) {
    const auto home = dir_.path() / ("worker-" + std::to_string(index));
    std::filesystem::create_directories(home);
    return std::make_unique<testing::ServeProcess>(
        home / "store", home / "state", std::vector<std::string>{"--config", config_.string()},
        std::vector<std::string>{
            "HOME=" + home.string(), "AWS_ACCESS_KEY_ID=" + cluster_.access_key,
            "AWS_SECRET_ACCESS_KEY=" + cluster_.secret_key, "AWS_REGION=us-east-1",
            "AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_S3=" + s3_endpoint,
            "UNPACKD_TEST_HMAC=fleet-secret"});
  }

  // `count` workers reading S3 at `s3_endpoint`, each consuming the queue, and radosgw
  // publishing the bucket's events to `rabbit`. Fails the test if a worker never connects.
  std::vector<std::unique_ptr<testing::ServeProcess>> StartFleet(
      int count, const std::string& s3_endpoint, const testing::RabbitMqFixture& rabbit) {
    WriteConfig(rabbit.url());
    std::vector<std::unique_ptr<testing::ServeProcess>> workers;
    for (int i = 0; i < count; ++i) workers.push_back(StartWorker(i, s3_endpoint));
    for (const auto& worker : workers) {
      EXPECT_TRUE(testing::WaitFor(
          [&] { return worker->log().find("AMQP consumer connected") != std::string::npos; },
          seconds(120)))
          << worker->log();
    }
    cluster_.Boto3(bucket_, "user-",
                   "notify amqp://127.0.0.1:" + std::to_string(rabbit.port()) +
                       " amqp-exchange=s3-events amqp-ack-level=broker");
    return workers;
  }

  void WriteConfig(const std::string& amqp_url) {
    config_ = dir_.path() / "fleet.toml";
    std::ofstream(config_)
        << "workers = 2\nmemory = \"256MiB\"\n\n"
        << "[sources.amqp]\nurl = \"" << amqp_url
        << "\"\nqueue = \"unpackd-fleet\"\nexchange = \"s3-events\"\n\n"
        << "[fleet]\nenabled = true\nmax_shard_members = " << kMembersPerShard
        << "\n\n[targets.backend]\nkind = \"webhook\"\nurl = \"" << receiver_.url("/hook")
        << "\"\nsecret_env = \"UNPACKD_TEST_HMAC\"\nallow_insecure_http = true\n\n"
        << "[[rules]]\nname = \"results\"\nbuckets = [\"" << bucket_
        << "\"]\nprefixes = [\"user-\"]\nnotify = [\"backend\"]\n";
  }

  testing::TempDir dir_;
  testing::RadosgwCluster cluster_;
  std::string bucket_;
  testing::HttpReceiver receiver_;
  std::filesystem::path config_;
};

TEST_F(ServeFleetTest, AWorkerKilledMidShardLeavesOneExactExtractionAndOneNotification) {
  if (!testing::RabbitMqFixture::Installed())
    GTEST_SKIP() << testing::RabbitMqFixture::kNotInstalled;
  testing::RabbitMqFixture rabbit;
  testing::FaultProxyFixture proxy(PortOf(cluster_.endpoint), {"--delay-ms", "150"});
  auto workers = StartFleet(kWorkers, proxy.endpoint(), rabbit);
  if (HasFailure()) return;

  testing::MemberMap members;
  std::map<std::string, std::string> expected;  // key -> sha256
  for (int i = 0; i < kMembers; ++i) {
    std::string bytes(64 << 10, '\0');
    for (size_t j = 0; j < bytes.size(); ++j) {
      bytes[j] = static_cast<char>(testing::PatternByte(static_cast<uint64_t>(i), j));
    }
    const std::string name = "part-" + std::to_string(100 + i) + ".bin";
    expected["user-1/run/result/" + name] = aws::Sha256Hex(std::string_view(bytes));
    members[name] = std::move(bytes);
  }
  const auto archive = dir_.path() / "result.zip";
  testing::MakeZipWithPython(archive, members);
  cluster_.Boto3(bucket_, "user-1/run/result.zip",
                 "upload " + testing::ShellQuote(archive.string()));

  // The first worker seen running a shard dies at once, its shard unfinished.
  int victim = -1;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        for (int i = 0; i < kWorkers; ++i) {
          if (!LogLines(workers[i]->log(), "shard started").empty()) victim = i;
        }
        return victim >= 0;
      },
      seconds(120)));
  workers[victim]->Kill();
  const std::string victim_log = workers[victim]->log();

  const std::string manifest_key = "user-1/run/result/.unpackd/manifest.json";
  auto listed = [&] {
    return nlohmann::json::parse(cluster_.Boto3(bucket_, "user-1/run/result/", "list"))
        .get<std::vector<std::string>>();
  };
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        const auto keys = listed();
        return std::find(keys.begin(), keys.end(), manifest_key) != keys.end();
      },
      seconds(180)))
      << workers[(victim + 1) % kWorkers]->log();

  // Every member's object, byte for byte.
  const auto objects =
      nlohmann::json::parse(cluster_.Boto3(bucket_, "user-1/run/result/part-", "sha256-all"));
  ASSERT_EQ(objects.size(), expected.size());
  for (const auto& [key, sha256] : expected) {
    ASSERT_TRUE(objects.contains(key)) << key;
    EXPECT_EQ(objects[key]["sha256"], sha256) << key;
  }

  // One notification, of the whole archive: wait long enough for a second to show.
  ASSERT_TRUE(testing::WaitFor([&] { return !receiver_.requests().empty(); }, seconds(60)));
  std::this_thread::sleep_for(seconds(3));
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto notification = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(notification["kind"], "job.succeeded") << requests[0].body;
  EXPECT_EQ(notification["result"]["members"], kMembers) << requests[0].body;

  // The fan-out happened once per delivery of the archive's event, every shard ended
  // somewhere, and exactly one shard run committed the manifest.
  std::vector<std::set<std::string>> started(kWorkers);
  std::vector<std::set<std::string>> done(kWorkers);
  int committed = 0;
  for (int i = 0; i < kWorkers; ++i) {
    const std::string log = i == victim ? victim_log : workers[i]->log();
    for (const auto& line : LogLines(log, "shard started")) started[i].insert(line["shard"]);
    for (const auto& line : LogLines(log, "shard done")) done[i].insert(line["shard"]);
    for (const auto& line : LogLines(log, "job done")) {
      if (line.contains("shard")) {
        done[i].insert(line["shard"].get<std::string>());
        committed += line.value("committed", false) ? 1 : 0;
      }
    }
  }
  std::set<std::string> all_done;
  for (const auto& shards : done) all_done.insert(shards.begin(), shards.end());
  EXPECT_EQ(all_done.size(), static_cast<size_t>(kMembers / kMembersPerShard));
  EXPECT_EQ(committed, 1);
  // The victim died with shards unfinished, and other workers finished them.
  std::set<std::string> unfinished;
  for (const std::string& shard : started[victim]) {
    if (!done[victim].contains(shard)) unfinished.insert(shard);
  }
  EXPECT_FALSE(unfinished.empty()) << victim_log;
  for (const std::string& shard : unfinished) EXPECT_TRUE(all_done.contains(shard)) << shard;

  for (int i = 0; i < kWorkers; ++i) {
    if (i != victim) {
      EXPECT_EQ(workers[i]->Terminate(), 0) << workers[i]->log();
    }
  }
}

// Duplicate events of a hostile archive on two workers: both refuse it, and the one that
// creates the archive version's failure claim (a conditional PUT) is the one that tells.
TEST_F(ServeFleetTest, ARefusedArchiveDeliveredTwiceIsToldOnce) {
  if (!testing::RabbitMqFixture::Installed())
    GTEST_SKIP() << testing::RabbitMqFixture::kNotInstalled;
  testing::RabbitMqFixture rabbit;
  auto workers = StartFleet(2, cluster_.endpoint, rabbit);
  if (HasFailure()) return;
  const auto archive = dir_.path() / "escape.zip";
  testing::MakeZipWithPython(archive, {{"../../escape.txt", "out"}, {"fine.txt", "in"}});
  // The same bytes twice: one ETag, two events, racing on the two workers. radosgw publishes
  // an event once, and under a loaded machine a publish can be lost: the archive is uploaded
  // again (more events of the same version) until two runs have refused it.
  const auto upload = [&] {
    cluster_.Boto3(bucket_, "user-2/bad/result.zip",
                   "upload " + testing::ShellQuote(archive.string()));
  };
  const auto refusals = [&] {
    size_t refused = 0;
    for (const auto& worker : workers) {
      refused += LogLines(worker->log(), "archive refused").size();
    }
    return refused;
  };
  upload();
  upload();
  for (int again = 0; again < 2 && !testing::WaitFor([&] { return refusals() >= 2; }, seconds(45));
       ++again) {
    upload();
  }
  ASSERT_TRUE(testing::WaitFor([&] { return refusals() >= 2; }, seconds(45)))
      << workers[0]->log() << workers[1]->log();
  ASSERT_TRUE(testing::WaitFor([&] { return !receiver_.requests().empty(); }, seconds(30)));
  std::this_thread::sleep_for(seconds(3));
  const auto requests = receiver_.requests();
  ASSERT_EQ(requests.size(), 1u) << "refusals: " << refusals() << "\n"
                                 << workers[0]->log() << workers[1]->log();
  EXPECT_EQ(nlohmann::json::parse(requests[0].body)["kind"], "archive.refused") << requests[0].body;
  for (const auto& worker : workers) EXPECT_EQ(worker->Terminate(), 0) << worker->log();
}

}  // namespace
}  // namespace unpackd
