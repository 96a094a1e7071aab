// BuildNotification: the payload's fields, the stable event id, Korean names intact.
#include "notify/notification.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "notify/outcomes.h"

namespace unpackd::notify {
namespace {

using nlohmann::json;
using testing::FailedOutcome;
using testing::RefusedOutcome;
using testing::StoreFailedOutcome;
using testing::SucceededOutcome;

TEST(NotificationTest, SucceededPayloadCarriesArchiveDestinationAndResult) {
  const JobOutcome outcome = SucceededOutcome();
  const Notification n = BuildNotification(outcome);
  EXPECT_EQ(n.kind, NotificationKind::kJobSucceeded);
  const json p = json::parse(n.payload_json);
  EXPECT_EQ(p["schema"], "unpackd.notification/1");
  EXPECT_EQ(p["event_id"], n.event_id);
  EXPECT_EQ(p["kind"], "job.succeeded");
  EXPECT_EQ(p["occurred_at"], "2024-05-01T12:00:12.500Z");
  EXPECT_EQ(p["job"]["id"], outcome.result->job.id);
  EXPECT_EQ(p["job"]["attempts"], 1);
  EXPECT_EQ(p["archive"]["bucket"], "incoming");
  EXPECT_EQ(p["archive"]["key"], "uploads/2024/보고서.zip");
  EXPECT_EQ(p["archive"]["etag"], "9b2cf535f27731c974343645a3985328");
  EXPECT_EQ(p["archive"]["version_id"], "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY");
  EXPECT_EQ(p["archive"]["size"], 48'213'554);
  EXPECT_EQ(p["destination"]["prefix"], "uploads/2024/보고서/");
  EXPECT_EQ(p["destination"]["manifest_key"], "uploads/2024/보고서/.unpackd/manifest.json");
  const json& r = p["result"];
  EXPECT_EQ(r["members"], 120);
  EXPECT_EQ(r["bytes"], 201'326'592);
  EXPECT_EQ(r["members_written"], 118);
  EXPECT_EQ(r["members_reused"], 2);
  EXPECT_EQ(r["already_complete"], false);
  EXPECT_DOUBLE_EQ(r["duration_seconds"].get<double>(), 12.5);
  ASSERT_EQ(r["skipped"].size(), 1u);  // the warning is not a skip
  EXPECT_EQ(r["skipped"][0]["name"], "링크/바로가기-0");
  EXPECT_EQ(r["skipped"][0]["code"], "symlink");
  EXPECT_EQ(r["skipped_truncated"], 0);
  EXPECT_FALSE(p.contains("error"));
}

TEST(NotificationTest, KoreanNamesTravelAsUtf8Bytes) {
  const Notification n = BuildNotification(SucceededOutcome());
  // Not "\ud55c" escapes: a receiver comparing bytes sees the names as written.
  EXPECT_NE(n.payload_json.find("uploads/2024/보고서.zip"), std::string::npos);
  EXPECT_EQ(n.payload_json.find("\\u"), std::string::npos);
}

TEST(NotificationTest, AtMostAHundredSkipsAreListedAndTheRestCounted) {
  const json p = json::parse(BuildNotification(SucceededOutcome(1000)).payload_json);
  EXPECT_EQ(p["result"]["skipped_count"], 1000);
  EXPECT_EQ(p["result"]["skipped"].size(), kMaxListedSkips);
  EXPECT_EQ(p["result"]["skipped_truncated"], 900);
}

TEST(NotificationTest, RefusedPayloadNamesReasonAndMember) {
  const Notification n = BuildNotification(RefusedOutcome());
  EXPECT_EQ(n.kind, NotificationKind::kArchiveRefused);
  const json p = json::parse(n.payload_json);
  EXPECT_EQ(p["kind"], "archive.refused");
  EXPECT_EQ(p["error"]["kind"], "archive-refused");
  EXPECT_EQ(p["error"]["code"], "unsafe-path");
  EXPECT_EQ(p["error"]["member"], "../../etc/passwd");
  EXPECT_EQ(p["job"]["attempts"], 3);
  EXPECT_FALSE(p.contains("result"));
  // The destination the job would have had, from the default template.
  EXPECT_EQ(p["destination"]["bucket"], "incoming");
  EXPECT_EQ(p["destination"]["prefix"], "uploads/2024/보고서/");
  EXPECT_EQ(p["destination"]["manifest_key"], "uploads/2024/보고서/.unpackd/manifest.json");
  EXPECT_TRUE(p["archive"]["version_id"].is_null());
}

TEST(NotificationTest, StoreFailureIsJobFailedWithoutMember) {
  const json p = json::parse(BuildNotification(StoreFailedOutcome()).payload_json);
  EXPECT_EQ(p["kind"], "job.failed");
  EXPECT_EQ(p["error"]["kind"], "transient");
  EXPECT_EQ(p["error"]["code"], "SlowDown");
  EXPECT_TRUE(p["error"]["member"].is_null());
}

TEST(NotificationTest, EventIdIsStablePerJobAndDistinctPerKind) {
  const Notification a = BuildNotification(SucceededOutcome());
  JobOutcome later = SucceededOutcome();
  later.ended_at_ms += 60'000;  // the same job, reported again later (a redelivered event)
  later.attempts = 2;
  const Notification b = BuildNotification(later);
  EXPECT_EQ(a.event_id, b.event_id);
  EXPECT_NE(a.payload_json, b.payload_json);
  EXPECT_EQ(a.event_id.size(), 4u + 32u);
  EXPECT_EQ(a.event_id.rfind("evt_", 0), 0u);

  // A failed job computes the same job id the succeeded run reports.
  const Notification failed = BuildNotification(StoreFailedOutcome());
  const Notification refused = BuildNotification(RefusedOutcome());
  EXPECT_EQ(json::parse(failed.payload_json)["job"]["id"],
            json::parse(a.payload_json)["job"]["id"]);
  const std::set<std::string> ids{a.event_id, failed.event_id, refused.event_id};
  EXPECT_EQ(ids.size(), 3u);
  const std::string job_id = json::parse(a.payload_json)["job"]["id"];
  EXPECT_EQ(a.event_id, MakeEventId(job_id, NotificationKind::kJobSucceeded));
}

TEST(NotificationTest, AnotherArchiveVersionIsAnotherEvent) {
  JobOutcome other = StoreFailedOutcome();
  other.identity.etag = "0123456789abcdef0123456789abcdef";
  EXPECT_NE(BuildNotification(other).event_id, BuildNotification(StoreFailedOutcome()).event_id);
}

TEST(NotificationTest, AnOutcomeNeedsExactlyOneOfResultAndFailure) {
  JobOutcome neither = SucceededOutcome();
  neither.result.reset();
  EXPECT_THROW(BuildNotification(neither), Error);
  JobOutcome both = SucceededOutcome();
  both.failure = JobFailure{};
  EXPECT_THROW(KindOf(both), Error);
}

TEST(NotificationTest, KindNamesRoundTrip) {
  for (const NotificationKind kind : {NotificationKind::kJobSucceeded, NotificationKind::kJobFailed,
                                      NotificationKind::kArchiveRefused}) {
    EXPECT_EQ(ParseNotificationKind(NotificationKindName(kind)), kind);
  }
  EXPECT_EQ(ParseNotificationKind("job.done"), std::nullopt);
}

TEST(NotificationTest, InvalidUtf8InAMessageIsReplacedNotFatal) {
  JobOutcome outcome = StoreFailedOutcome();
  outcome.failure->message = "bad byte \xff here";
  const json p = json::parse(BuildNotification(outcome).payload_json);
  EXPECT_EQ(p["error"]["message"], "bad byte \xEF\xBF\xBD here");
}

}  // namespace
}  // namespace unpackd::notify
