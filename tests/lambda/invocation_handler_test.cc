// The Lambda invocation handler on the in-memory store: every event shape Lambda hands a
// function (S3 direct, an SQS batch, a continuation), the answers Lambda expects (errors,
// batchItemFailures), hand-over at the deadline, and notifications exactly once. The runtime
// API and the package are tested in lambda_package_test.cc.
#include "lambda/invocation_handler.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <sstream>

#include "extract/destination.h"
#include "lambda/continuation.h"
#include "notify/notified_marker.h"
#include "rules/job_message.h"
#include "store/memory/memory_store.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/temp_dir.h"
#include "util/error.h"
#include "util/mutex.h"

namespace unpackd::lambda {
namespace {

using testing::MemberMap;

constexpr char kArchiveKey[] = "user-1/project-1/result.zip";
constexpr char kManifestKey[] = "user-1/project-1/result/.unpackd/manifest.json";

// Records every notification; fails the first `failures` attempts.
class RecordingTarget final : public notify::NotificationTarget {
 public:
  explicit RecordingTarget(int failures = 0) : failures_(failures) {}
  const std::string& name() const override { return name_; }
  notify::DeliveryResult Deliver(const notify::Notification& n) override {
    MutexLock lock(mutex_);
    if (failures_ > 0) {
      --failures_;
      return notify::DeliveryResult::Gone("receiver gone (test)");
    }
    delivered_.push_back(n);
    return notify::DeliveryResult::Delivered("202");
  }
  std::vector<notify::Notification> delivered() {
    MutexLock lock(mutex_);
    return delivered_;
  }

 private:
  const std::string name_ = "backend";
  Mutex mutex_;
  int failures_ GUARDED_BY(mutex_);
  std::vector<notify::Notification> delivered_ GUARDED_BY(mutex_);
};

class RecordingContinuations final : public ContinuationSender {
 public:
  void Send(const Continuation& c) override { sent.push_back(c); }
  std::deque<Continuation> sent;
};

std::string S3Event(const std::string& key, const std::string& etag) {
  return nlohmann::json{
      {"Records",
       {{{"eventVersion", "2.1"},
         {"eventSource", "aws:s3"},
         {"eventName", "ObjectCreated:Put"},
         {"s3", {{"bucket", {{"name", "bkt"}}}, {"object", {{"key", key}, {"eTag", etag}}}}}}}}}
      .dump();
}

nlohmann::json SqsRecord(const std::string& id, const std::string& body) {
  return {{"messageId", id},
          {"receiptHandle", "handle-" + id},
          {"body", body},
          {"eventSource", "aws:sqs"},
          {"eventSourceARN", "arn:aws:sqs:us-east-1:123456789012:uploads"}};
}

class InvocationHandlerTest : public ::testing::Test {
 protected:
  InvocationHandlerTest() : executor_(Shape()) {
    settings_.plan = MakeMemoryPlan({uint64_t{64} << 20, 4, false, false});
    Rule rule;
    rule.name = "default";
    rule.notify = {"backend"};
    config_.rules.push_back(rule);
  }

  static ExecutorShape Shape() { return {4, 8, 1}; }

  void UseTarget(int failures = 0) {
    auto target = std::make_unique<RecordingTarget>(failures);
    target_ = target.get();
    targets_["backend"] = std::move(target);
  }

  InvocationHandler Handler() {
    HandlerServices services;
    services.config = &config_;
    services.settings = &settings_;
    services.store = &store_;
    services.executor = &executor_;
    services.continuations = &continuations_;
    services.targets = &targets_;
    services.log = &log_;
    return InvocationHandler(services);
  }

  std::string PutArchive(const std::string& key, const MemberMap& members) {
    const auto path = dir_.path() / "archive.zip";
    testing::MakeZipWithPython(path, members);
    return PutBytes(key, testing::ReadFileBytes(path));
  }
  std::string PutBytes(const std::string& key, const std::vector<std::byte>& bytes) {
    auto writer = store_.NewWriter({"bkt", key}, {});
    writer->Append(bytes);
    return writer->Commit().etag;
  }

  bool Exists(const std::string& key) {
    try {
      store_.Stat({"bkt", key});
      return true;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kNotFound) throw;
      return false;
    }
  }

  static Invocation InvocationOf(std::string body,
                                 std::chrono::milliseconds remaining = std::chrono::minutes(5)) {
    Invocation invocation;
    invocation.request_id = "req-1";
    invocation.deadline = std::chrono::system_clock::now() + remaining;
    invocation.body = std::move(body);
    return invocation;
  }

  static MemberMap Members(int count) {
    MemberMap members;
    for (int i = 0; i < count; ++i) {
      members["data/file-" + std::to_string(i) + ".txt"] =
          testing::TextBytes(static_cast<size_t>(500 + 37 * i), static_cast<uint32_t>(i));
    }
    return members;
  }

  testing::TempDir dir_;
  MemoryStore store_;
  Executor executor_;
  LambdaSettings settings_;
  ServiceConfig config_;
  TargetsByName targets_;
  RecordingTarget* target_ = nullptr;
  RecordingContinuations continuations_;
  std::ostringstream log_text_;
  LambdaLog log_{log_text_};
};

TEST_F(InvocationHandlerTest, DirectS3EventExtractsAndNotifiesOnce) {
  UseTarget();
  const std::string etag = PutArchive(kArchiveKey, Members(5));
  InvocationHandler handler = Handler();
  const InvocationReply reply = handler.Handle(InvocationOf(S3Event(kArchiveKey, etag)));
  ASSERT_FALSE(reply.failed) << reply.body << "\n" << log_text_.str();
  const auto body = nlohmann::json::parse(reply.body);
  ASSERT_EQ(body["jobs"].size(), 1u);
  EXPECT_EQ(body["jobs"][0]["status"], "done");
  EXPECT_EQ(body["jobs"][0]["members"], 5);
  EXPECT_TRUE(Exists(kManifestKey));
  EXPECT_TRUE(Exists("user-1/project-1/result/data/file-4.txt"));
  ASSERT_EQ(target_->delivered().size(), 1u);
  EXPECT_EQ(target_->delivered()[0].kind, notify::NotificationKind::kJobSucceeded);

  // S3 delivers at least once: the duplicate finds the manifest and the notified marker.
  const InvocationReply again = handler.Handle(InvocationOf(S3Event(kArchiveKey, etag)));
  ASSERT_FALSE(again.failed) << again.body;
  EXPECT_EQ(nlohmann::json::parse(again.body)["jobs"][0]["already_complete"], true);
  EXPECT_EQ(target_->delivered().size(), 1u);
}

TEST_F(InvocationHandlerTest, FailedDeliveryFailsTheInvocationAndItsRetryDelivers) {
  UseTarget(/*failures=*/1);
  const std::string etag = PutArchive(kArchiveKey, Members(3));
  InvocationHandler handler = Handler();
  const InvocationReply reply = handler.Handle(InvocationOf(S3Event(kArchiveKey, etag)));
  ASSERT_TRUE(reply.failed);
  EXPECT_EQ(reply.error_type, "NotificationFailed");
  EXPECT_TRUE(Exists(kManifestKey));
  EXPECT_FALSE(Exists("user-1/project-1/result/.unpackd/notified"));

  // AWS retries the invocation: the archive is complete, the notification goes out now.
  const InvocationReply retry = handler.Handle(InvocationOf(S3Event(kArchiveKey, etag)));
  ASSERT_FALSE(retry.failed) << retry.body;
  ASSERT_EQ(target_->delivered().size(), 1u);
  EXPECT_TRUE(Exists("user-1/project-1/result/.unpackd/notified"));
}

TEST_F(InvocationHandlerTest, TestEventAndOwnOutputDoNothing) {
  UseTarget();
  InvocationHandler handler = Handler();
  const std::string test_event =
      R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-01-01T00:00:00Z",)"
      R"("Bucket":"bkt","RequestId":"X","HostId":"Y"})";
  EXPECT_FALSE(handler.Handle(InvocationOf(test_event)).failed);
  const InvocationReply own =
      handler.Handle(InvocationOf(S3Event("user-1/project-1/result/inner.zip", "abc")));
  ASSERT_FALSE(own.failed) << own.body;
  EXPECT_TRUE(nlohmann::json::parse(own.body)["jobs"].empty());
  EXPECT_TRUE(target_->delivered().empty());
}

TEST_F(InvocationHandlerTest, EventBridgeObjectCreatedIsAJob) {
  UseTarget();
  const std::string etag = PutArchive(kArchiveKey, Members(2));
  const nlohmann::json event = {
      {"version", "0"},
      {"id", "17793124-05d4-b198-2fde-7ededc63b103"},
      {"detail-type", "Object Created"},
      {"source", "aws.s3"},
      {"account", "123456789012"},
      {"time", "2024-01-01T00:00:00Z"},
      {"region", "us-east-1"},
      {"resources", {"arn:aws:s3:::bkt"}},
      {"detail",
       {{"version", "0"},
        {"bucket", {{"name", "bkt"}}},
        {"object", {{"key", kArchiveKey}, {"size", 100}, {"etag", etag}, {"sequencer", "00"}}},
        {"reason", "PutObject"}}}};
  InvocationHandler handler = Handler();
  const InvocationReply reply = handler.Handle(InvocationOf(event.dump()));
  ASSERT_FALSE(reply.failed) << reply.body << log_text_.str();
  EXPECT_TRUE(Exists(kManifestKey));
  EXPECT_EQ(target_->delivered().size(), 1u);
}

TEST_F(InvocationHandlerTest, MalformedEventFailsWithItsReason) {
  UseTarget();
  InvocationHandler handler = Handler();
  const InvocationReply reply = handler.Handle(InvocationOf("{not json"));
  ASSERT_TRUE(reply.failed);
  EXPECT_EQ(reply.error_type, "MalformedEvent");
  EXPECT_FALSE(reply.body.empty());
}

TEST_F(InvocationHandlerTest, SqsBatchReportsOnlyTheBadRecord) {
  UseTarget();
  const std::string good_a = PutArchive("a/one.zip", Members(2));
  const std::string bad = PutBytes("b/bad.zip", std::vector<std::byte>(300, std::byte{'x'}));
  const std::string good_c = PutArchive("c/three.zip", Members(3));
  const nlohmann::json batch = {
      {"Records",
       {SqsRecord("m-1", S3Event("a/one.zip", good_a)), SqsRecord("m-2", S3Event("b/bad.zip", bad)),
        SqsRecord("m-3", S3Event("c/three.zip", good_c))}}};
  InvocationHandler handler = Handler();
  const InvocationReply reply = handler.Handle(InvocationOf(batch.dump()));
  ASSERT_FALSE(reply.failed) << reply.body;
  const auto body = nlohmann::json::parse(reply.body);
  ASSERT_EQ(body["batchItemFailures"].size(), 1u) << reply.body;
  EXPECT_EQ(body["batchItemFailures"][0]["itemIdentifier"], "m-2");
  EXPECT_TRUE(Exists("a/one/.unpackd/manifest.json"));
  EXPECT_TRUE(Exists("c/three/.unpackd/manifest.json"));
  EXPECT_FALSE(Exists("b/bad/.unpackd/manifest.json"));
  // Two successes and one refusal, each told.
  ASSERT_EQ(target_->delivered().size(), 3u);
  int refused = 0;
  for (const auto& n : target_->delivered()) {
    refused += n.kind == notify::NotificationKind::kArchiveRefused;
  }
  EXPECT_EQ(refused, 1);
}

// Shard jobs as a fleet publishes them (rules/job_message.h), through an SQS batch: each
// shard is extracted, only the one that completes the set notifies, and a hostile archive's
// shards, all refused, are told of once.
TEST_F(InvocationHandlerTest, ShardJobsExtractTheirShareAndOnlyTheLastOneNotifies) {
  UseTarget();
  const std::string etag = PutArchive(kArchiveKey, Members(9));
  auto shard_job = [&](const std::string& key, const std::string& tag, uint32_t index) {
    JobMessage job;
    job.rule = "default";
    job.bucket = "bkt";
    job.key = key;
    job.etag = tag;
    job.shard = ShardSpec{index, 3};
    return job.ToJson();
  };
  InvocationHandler handler = Handler();
  for (uint32_t i : {1u, 0u}) {
    const InvocationReply reply = handler.Handle(InvocationOf(shard_job(kArchiveKey, etag, i)));
    ASSERT_FALSE(reply.failed) << reply.body << log_text_.str();
    EXPECT_EQ(nlohmann::json::parse(reply.body)["jobs"][0]["status"], "shard-done") << reply.body;
    EXPECT_FALSE(Exists(kManifestKey));
  }
  EXPECT_TRUE(target_->delivered().empty());
  const nlohmann::json batch = {{"Records", {SqsRecord("m-3", shard_job(kArchiveKey, etag, 2))}}};
  const InvocationReply last = handler.Handle(InvocationOf(batch.dump()));
  ASSERT_FALSE(last.failed) << last.body;
  EXPECT_TRUE(nlohmann::json::parse(last.body)["batchItemFailures"].empty()) << last.body;
  EXPECT_TRUE(Exists(kManifestKey));
  EXPECT_TRUE(Exists("user-1/project-1/result/data/file-8.txt"));
  ASSERT_EQ(target_->delivered().size(), 1u);
  EXPECT_EQ(target_->delivered()[0].kind, notify::NotificationKind::kJobSucceeded);

  const std::string bad = PutArchive("u/bad.zip", {{"../escape.txt", "x"}, {"ok.txt", "y"}});
  for (uint32_t i : {0u, 1u, 2u}) {
    EXPECT_TRUE(handler.Handle(InvocationOf(shard_job("u/bad.zip", bad, i))).failed);
  }
  ASSERT_EQ(target_->delivered().size(), 2u) << log_text_.str();
  EXPECT_EQ(target_->delivered()[1].kind, notify::NotificationKind::kArchiveRefused);
}

// The steps of the Step Functions fan-out (deploy/aws) in the order its state machine runs
// them: a plan into shard jobs that writes nothing, a commit that waits while a shard has not
// ended, the shards (which only record), then the commit, which writes the manifest and tells,
// and its retry, which tells nobody twice.
TEST_F(InvocationHandlerTest, StepFunctionsStepsPlanShardsAndCommitOnce) {
  UseTarget();
  config_.fleet.max_shard_members = 3;
  const std::string etag = PutArchive(kArchiveKey, Members(9));
  InvocationHandler handler = Handler();
  const nlohmann::json request = {
      {"unpackd_plan", nlohmann::json::parse(S3Event(kArchiveKey, etag))}};
  const InvocationReply planned = handler.Handle(InvocationOf(request.dump()));
  ASSERT_FALSE(planned.failed) << planned.body << log_text_.str();
  const nlohmann::json plan = nlohmann::json::parse(planned.body);
  ASSERT_EQ(plan["status"], "planned") << plan;
  ASSERT_EQ(plan["shards"], 3) << plan;
  ASSERT_EQ(plan["jobs"].size(), 3u) << plan;
  EXPECT_EQ(plan["jobs"][2]["unpackd_job"]["shard"], "2/3");
  EXPECT_FALSE(Exists("user-1/project-1/result/data/file-0.txt"));

  const InvocationReply early = handler.Handle(InvocationOf(plan["commit"].dump()));
  EXPECT_TRUE(early.failed);
  EXPECT_EQ(early.error_type, "ShardsPending") << early.body;
  for (const nlohmann::json& job : plan["jobs"]) {
    const InvocationReply reply = handler.Handle(InvocationOf(job.dump()));
    ASSERT_FALSE(reply.failed) << reply.body << log_text_.str();
    EXPECT_EQ(nlohmann::json::parse(reply.body)["jobs"][0]["status"], "shard-done") << reply.body;
    if (job == plan["jobs"][1]) {
      const InvocationReply waiting = handler.Handle(InvocationOf(plan["commit"].dump()));
      EXPECT_EQ(waiting.error_type, "ShardsPending") << waiting.body;
      EXPECT_NE(waiting.body.find("(2 of 3 shard records"), std::string::npos) << waiting.body;
    }
  }
  // The last shard left the commit to the commit step.
  EXPECT_FALSE(Exists(kManifestKey));
  EXPECT_TRUE(target_->delivered().empty());
  for (int i = 0; i < 2; ++i) {
    const InvocationReply commit = handler.Handle(InvocationOf(plan["commit"].dump()));
    ASSERT_FALSE(commit.failed) << commit.body << log_text_.str();
    EXPECT_EQ(nlohmann::json::parse(commit.body)["jobs"][0]["status"], "done") << commit.body;
  }
  EXPECT_TRUE(Exists(kManifestKey));
  EXPECT_TRUE(Exists("user-1/project-1/result/data/file-8.txt"));
  ASSERT_EQ(target_->delivered().size(), 1u);
  EXPECT_EQ(target_->delivered()[0].kind, notify::NotificationKind::kJobSucceeded);

  // A duplicate event's execution finds the archive complete.
  const InvocationReply again = handler.Handle(InvocationOf(request.dump()));
  EXPECT_EQ(nlohmann::json::parse(again.body)["status"], "complete") << again.body;
  EXPECT_TRUE(nlohmann::json::parse(again.body)["jobs"].empty());
}

// A hostile archive is refused by the plan, which tells; the execution's failure state, and a
// shard's for an archive whose shards kept failing, tell once between them.
TEST_F(InvocationHandlerTest, StepFunctionsFailuresAreToldOnce) {
  UseTarget();
  InvocationHandler handler = Handler();
  const std::string bad = PutArchive("u/bad.zip", {{"../escape.txt", "x"}, {"ok.txt", "y"}});
  const nlohmann::json refused_plan = nlohmann::json::parse(
      handler
          .Handle(InvocationOf(
              nlohmann::json{{"unpackd_plan", nlohmann::json::parse(S3Event("u/bad.zip", bad))}}
                  .dump()))
          .body);
  EXPECT_EQ(refused_plan["status"], "refused") << refused_plan;
  ASSERT_EQ(target_->delivered().size(), 1u) << log_text_.str();
  EXPECT_EQ(target_->delivered()[0].kind, notify::NotificationKind::kArchiveRefused);

  const std::string etag = PutArchive(kArchiveKey, Members(4));
  const nlohmann::json plan = nlohmann::json::parse(
      handler
          .Handle(InvocationOf(
              nlohmann::json{{"unpackd_plan", nlohmann::json::parse(S3Event(kArchiveKey, etag))}}
                  .dump()))
          .body);
  ASSERT_EQ(plan["status"], "planned") << plan;
  nlohmann::json failed = {
      {"unpackd_job", plan["fail"]["unpackd_job"]},
      {"error", {{"Error", "JobFailed"}, {"Cause", "shard 0/1 kept failing"}}}};
  for (int i = 0; i < 2; ++i) {
    const InvocationReply reply = handler.Handle(InvocationOf(failed.dump()));
    ASSERT_FALSE(reply.failed) << reply.body << log_text_.str();
    EXPECT_EQ(nlohmann::json::parse(reply.body)["jobs"][0]["status"], "failed") << reply.body;
  }
  ASSERT_EQ(target_->delivered().size(), 2u) << log_text_.str();
  EXPECT_EQ(target_->delivered()[1].kind, notify::NotificationKind::kJobFailed);
  EXPECT_NE(target_->delivered()[1].payload_json.find("shard 0/1 kept failing"), std::string::npos)
      << target_->delivered()[1].payload_json;
  EXPECT_FALSE(Exists(kManifestKey));
}

TEST_F(InvocationHandlerTest, DeadlineHandsTheJobOverAndTheLastInvocationNotifies) {
  UseTarget();
  const std::string etag = PutArchive(kArchiveKey, Members(8));
  InvocationHandler handler = Handler();
  // Already past its stop point: nothing starts, the job is handed over.
  const InvocationReply first =
      handler.Handle(InvocationOf(S3Event(kArchiveKey, etag), std::chrono::milliseconds(0)));
  ASSERT_FALSE(first.failed) << first.body << log_text_.str();
  EXPECT_EQ(nlohmann::json::parse(first.body)["jobs"][0]["status"], "continued");
  ASSERT_EQ(continuations_.sent.size(), 1u);
  const Continuation sent = continuations_.sent.front();
  EXPECT_EQ(sent.key, kArchiveKey);
  EXPECT_EQ(sent.etag, etag);
  EXPECT_EQ(sent.invocation, 2);
  EXPECT_EQ(sent.idle_invocations, 1);
  EXPECT_FALSE(Exists(kManifestKey));
  EXPECT_TRUE(target_->delivered().empty());

  // The continuation arrives as its own invocation and finishes the archive.
  const InvocationReply second = handler.Handle(InvocationOf(ContinuationJson(sent)));
  ASSERT_FALSE(second.failed) << second.body << log_text_.str();
  EXPECT_TRUE(Exists(kManifestKey));
  ASSERT_EQ(target_->delivered().size(), 1u);
  const auto payload = nlohmann::json::parse(target_->delivered()[0].payload_json);
  EXPECT_EQ(payload["kind"], "job.succeeded");
}

TEST_F(InvocationHandlerTest, AJobThatNeverProgressesFailsOnceInsteadOfLoopingForever) {
  UseTarget();
  const std::string etag = PutArchive(kArchiveKey, Members(2));
  InvocationHandler handler = Handler();
  std::string body = S3Event(kArchiveKey, etag);
  for (int i = 0; i < 3; ++i) {
    const InvocationReply reply = handler.Handle(InvocationOf(body, std::chrono::milliseconds(0)));
    if (i < 2) {
      ASSERT_FALSE(reply.failed) << reply.body;
      ASSERT_EQ(continuations_.sent.size(), static_cast<size_t>(i + 1));
      body = ContinuationJson(continuations_.sent.back());
    } else {
      ASSERT_TRUE(reply.failed);
      EXPECT_EQ(reply.error_type, "JobFailed");
      EXPECT_NE(reply.body.find("finished no member"), std::string::npos) << reply.body;
    }
  }
  ASSERT_EQ(target_->delivered().size(), 1u);
  EXPECT_EQ(target_->delivered()[0].kind, notify::NotificationKind::kJobFailed);
}

TEST_F(InvocationHandlerTest, ContinuationForAReplacedArchiveFailsAndIsTold) {
  UseTarget();
  PutArchive(kArchiveKey, Members(2));
  Continuation c;
  c.rule = "default";
  c.bucket = "bkt";
  c.key = kArchiveKey;
  c.etag = "0123456789abcdef0123456789abcdef";  // not the stored version
  c.invocation = 2;
  InvocationHandler handler = Handler();
  const InvocationReply reply = handler.Handle(InvocationOf(ContinuationJson(c)));
  ASSERT_TRUE(reply.failed);
  EXPECT_EQ(reply.error_type, "JobFailed");
  ASSERT_EQ(target_->delivered().size(), 1u);
  EXPECT_EQ(target_->delivered()[0].kind, notify::NotificationKind::kJobFailed);
}

TEST(ContinuationTest, RoundTripsAndIgnoresOtherEvents) {
  Continuation c;
  c.rule = "in";
  c.bucket = "b";
  c.key = "사용자/결과.zip";
  c.etag = "e";
  c.version_id = "v";
  c.size = 42;
  c.started_at_ms = 1700000000000;
  c.invocation = 3;
  c.idle_invocations = 1;
  const std::optional<Continuation> back = ParseContinuation(ContinuationJson(c));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->key, c.key);
  EXPECT_EQ(back->size, 42u);
  EXPECT_EQ(back->invocation, 3);
  EXPECT_EQ(back->idle_invocations, 1);
  EXPECT_FALSE(ParseContinuation(R"({"Records": []})").has_value());
  EXPECT_FALSE(ParseContinuation("not json").has_value());
  EXPECT_THROW(ParseContinuation(R"({"unpackd_continuation": {"bucket": "b"}})"), Error);
  c.shard = "2/7";
  EXPECT_EQ(ParseContinuation(ContinuationJson(c))->shard, "2/7");
}

TEST(NotifiedMarkerTest, SitsBesideTheManifest) {
  EXPECT_EQ(notify::NotifiedMarkerFor({"b", "x/y/.unpackd/manifest.json"}).key,
            "x/y/.unpackd/notified");
}

}  // namespace
}  // namespace unpackd::lambda
