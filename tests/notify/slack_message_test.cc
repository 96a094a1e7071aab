// The Slack message: what a person sees, and Block Kit's limits held whatever the job said.
#include "notify/slack_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "notify/outcomes.h"
#include "notify/slack_limits.h"

namespace unpackd::notify {
namespace {

using nlohmann::json;
using testing::ExpectWithinSlackLimits;

std::string Repeat(std::string_view unit, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += unit;
  return out;
}

// Every text of the message, joined, to search for what a reader must see.
std::string AllText(const json& message) {
  std::string all = message["text"];
  for (const auto& block : message["blocks"]) {
    if (block.contains("text")) all += "\n" + block["text"]["text"].get<std::string>();
    for (const auto& field : block.value("fields", json::array())) {
      all += "\n" + field["text"].get<std::string>();
    }
    for (const auto& element : block.value("elements", json::array())) {
      all += "\n" + element["text"].get<std::string>();
    }
  }
  return all;
}

TEST(SlackMessageTest, SucceededShowsHeaderArchiveMembersSizeDurationDestination) {
  const std::string body = SlackMessageJson(BuildNotification(testing::SucceededOutcome()));
  ExpectWithinSlackLimits(body);
  const json message = json::parse(body);
  EXPECT_EQ(message["blocks"][0]["type"], "header");
  EXPECT_EQ(message["blocks"][0]["text"]["text"], "✅ Extracted 보고서.zip");
  const std::string all = AllText(message);
  EXPECT_NE(all.find("s3://incoming/uploads/2024/보고서.zip"), std::string::npos) << all;
  EXPECT_NE(all.find("120 (1 skipped)"), std::string::npos) << all;
  EXPECT_NE(all.find("192 MiB from 46 MiB"), std::string::npos) << all;
  EXPECT_NE(all.find("12 s"), std::string::npos) << all;
  EXPECT_NE(all.find("s3://incoming/uploads/2024/보고서/"), std::string::npos) << all;
  EXPECT_NE(all.find("링크/바로가기-0"), std::string::npos) << all;
  EXPECT_NE(message["text"].get<std::string>().find("120 members"), std::string::npos);
}

TEST(SlackMessageTest, RefusedAndFailedShowTheReason) {
  const json refused = json::parse(SlackMessageJson(BuildNotification(testing::RefusedOutcome())));
  EXPECT_EQ(refused["blocks"][0]["text"]["text"], "⛔ Archive refused: 보고서.zip");
  EXPECT_NE(AllText(refused).find("unsafe-path"), std::string::npos);
  EXPECT_NE(AllText(refused).find("the name leaves the destination"), std::string::npos);
  const json failed =
      json::parse(SlackMessageJson(BuildNotification(testing::StoreFailedOutcome())));
  EXPECT_EQ(failed["blocks"][0]["text"]["text"], "❌ Extraction failed: 보고서.zip");
  EXPECT_NE(AllText(failed).find("HTTP 503 SlowDown"), std::string::npos);
  EXPECT_NE(failed["text"].get<std::string>().find("HTTP 503 SlowDown"), std::string::npos);
}

TEST(SlackMessageTest, LimitsHoldForALongKoreanReasonAndAThousandSkippedMembers) {
  const std::string reason = Repeat("압축파일이거부되었습니다", 5000 / 12 + 1);  // > 5000 chars
  JobOutcome refused = testing::FailedOutcome(ErrorKind::kArchiveRefused, "unsafe-path", reason,
                                              Repeat("긴이름", 1000));
  refused.job.archive.key = "uploads/" + Repeat("아주긴보관파일이름", 40) + ".zip";
  const std::string refused_body = SlackMessageJson(BuildNotification(refused));
  ExpectWithinSlackLimits(refused_body);
  // The reason is cut, not dropped: its start is there, and the cut ends in the ellipsis.
  const std::string all = AllText(json::parse(refused_body));
  EXPECT_NE(all.find(reason.substr(0, 300)), std::string::npos);
  EXPECT_NE(all.find("…"), std::string::npos);

  JobOutcome succeeded = testing::SucceededOutcome(1000);
  for (Finding& finding : succeeded.result->findings) {
    finding.member_name = Repeat("한글", 100) + finding.member_name;
    finding.message = Repeat("이유", 500);
  }
  const std::string succeeded_body = SlackMessageJson(BuildNotification(succeeded));
  ExpectWithinSlackLimits(succeeded_body);
  EXPECT_NE(AllText(json::parse(succeeded_body)).find("more"), std::string::npos);
}

TEST(SlackMessageTest, MarkupInNamesIsEscapedNotInterpreted) {
  JobOutcome outcome = testing::RefusedOutcome();
  outcome.failure->member = "<!channel> & <https://evil.example|click>";
  const std::string all = AllText(json::parse(SlackMessageJson(BuildNotification(outcome))));
  EXPECT_EQ(all.find("<!channel>"), std::string::npos);
  EXPECT_NE(all.find("&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"),
            std::string::npos);
}

TEST(SlackMessageTest, EscapesAreNeverCutInHalf) {
  JobOutcome outcome = testing::StoreFailedOutcome();
  outcome.failure->message = Repeat("&", 5000);
  const json message = json::parse(SlackMessageJson(BuildNotification(outcome)));
  ExpectWithinSlackLimits(message.dump());
  for (const auto& block : message["blocks"]) {
    if (!block.contains("text") || block["type"] != "section") continue;
    const std::string text = block["text"]["text"];
    const std::string body = text.substr(0, text.size() - std::string("…").size());
    const size_t amp = body.rfind('&');
    ASSERT_NE(amp, std::string::npos);
    EXPECT_EQ(body.substr(amp), "&amp;");
  }
}

TEST(SlackMessageTest, APayloadThatIsNotANotificationIsAnInternalError) {
  Notification bogus;
  bogus.payload_json = "{\"kind\":\"job.succeeded\"}";
  EXPECT_THROW(SlackMessageJson(bogus), Error);
  bogus.payload_json = "not json";
  EXPECT_THROW(SlackMessageJson(bogus), Error);
}

}  // namespace
}  // namespace unpackd::notify
