// Unpackd-Signature: the header a sender makes and the check a receiver runs.
#include "notify/webhook_signature.h"

#include <gtest/gtest.h>

namespace unpackd::notify {
namespace {

constexpr char kSecret[] = "whsec_test_0123456789";
constexpr char kBody[] = R"({"schema":"unpackd.notification/1","kind":"job.succeeded"})";
constexpr int64_t kNow = 1'714'564'800;
constexpr int64_t kTolerance = 300;

TEST(WebhookSignatureTest, HeaderIsTimestampAndHexHmacOfTimestampDotBody) {
  // `printf '%s' '1714564800.{}' | openssl dgst -sha256 -hmac key`: an independent HMAC of the
  // documented signed string.
  const std::string header = SignatureHeader("key", 1'714'564'800, "{}");
  EXPECT_EQ(header.rfind("t=1714564800,v1=", 0), 0u) << header;
  EXPECT_EQ(header.size(), std::string("t=1714564800,v1=").size() + 64);
  EXPECT_EQ(header,
            "t=1714564800,v1="
            "9949b048907213d28af52c9e5e33b9e3ec09fc28e84602501c24b84de3b22351");
}

TEST(WebhookSignatureTest, AFreshSignatureVerifies) {
  const std::string header = SignatureHeader(kSecret, kNow, kBody);
  EXPECT_TRUE(VerifySignatureHeader(kSecret, header, kBody, kNow + 10, kTolerance));
}

TEST(WebhookSignatureTest, AChangedBodyOrAnotherSecretFails) {
  const std::string header = SignatureHeader(kSecret, kNow, kBody);
  std::string tampered = kBody;
  tampered.back() = ' ';
  EXPECT_FALSE(VerifySignatureHeader(kSecret, header, tampered, kNow, kTolerance));
  EXPECT_FALSE(VerifySignatureHeader("another secret", header, kBody, kNow, kTolerance));
}

TEST(WebhookSignatureTest, OldAndFutureTimestampsAreRejected) {
  const std::string header = SignatureHeader(kSecret, kNow, kBody);
  EXPECT_TRUE(VerifySignatureHeader(kSecret, header, kBody, kNow + kTolerance, kTolerance));
  EXPECT_FALSE(VerifySignatureHeader(kSecret, header, kBody, kNow + kTolerance + 1, kTolerance));
  EXPECT_FALSE(VerifySignatureHeader(kSecret, header, kBody, kNow - kTolerance - 1, kTolerance));
}

TEST(WebhookSignatureTest, AReplayedSignatureUnderANewTimestampFails) {
  // An attacker keeps v1 but bumps t to pass the age check: t is signed, so it fails.
  const std::string header = SignatureHeader(kSecret, kNow, kBody);
  const std::string v1 = header.substr(header.find("v1="));
  const std::string forged = "t=" + std::to_string(kNow + 3600) + "," + v1;
  EXPECT_FALSE(VerifySignatureHeader(kSecret, forged, kBody, kNow + 3600, kTolerance));
}

TEST(WebhookSignatureTest, AnyMatchingV1AmongSeveralVerifiesAndUnknownElementsAreIgnored) {
  const std::string good = SignatureHeader(kSecret, kNow, kBody);
  const std::string v1 = good.substr(good.find("v1="));
  const std::string header =
      "t=" + std::to_string(kNow) + ",v0=abc,v1=" + std::string(64, '0') + ", " + v1;
  EXPECT_TRUE(VerifySignatureHeader(kSecret, header, kBody, kNow, kTolerance));
}

TEST(WebhookSignatureTest, MalformedHeadersAreFalse) {
  const std::string v1 = "v1=" + std::string(64, 'a');
  for (const std::string& header :
       {std::string(), std::string("garbage"), "t=," + v1, "t=-5," + v1, "t=12x," + v1,
        "t=" + std::to_string(kNow), "t=1,t=" + std::to_string(kNow) + "," + v1}) {
    EXPECT_FALSE(VerifySignatureHeader(kSecret, header, kBody, kNow, kTolerance)) << header;
  }
}

}  // namespace
}  // namespace unpackd::notify
