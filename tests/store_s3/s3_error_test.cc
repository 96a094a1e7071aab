#include "store/s3/s3_error.h"

#include <gtest/gtest.h>

namespace unpackd::s3 {
namespace {

// Error documents in the shape of the Amazon S3 API reference ("Error responses").
constexpr char kNoSuchKey[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchKey</Code>
  <Message>The resource you requested does not exist</Message>
  <Resource>/mybucket/myfoto.jpg</Resource>
  <RequestId>4442587FB7D0A2F9</RequestId>
</Error>)";

net::HttpResponse Response(long status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

const S3RequestContext kContext{"GetObject", "mybucket", "myfoto.jpg", "AKIAEXAMPLEKEYID"};

TEST(S3Error, ParsesTheErrorDocument) {
  S3ErrorDocument doc = ParseS3ErrorDocument(kNoSuchKey);
  EXPECT_EQ(doc.code, "NoSuchKey");
  EXPECT_EQ(doc.message, "The resource you requested does not exist");
  EXPECT_EQ(doc.request_id, "4442587FB7D0A2F9");
}

TEST(S3Error, GarbageAndEmptyBodiesParseToNothing) {
  EXPECT_EQ(ParseS3ErrorDocument("").code, "");
  EXPECT_EQ(ParseS3ErrorDocument("<html>502 Bad Gateway</html>").code, "");
  EXPECT_EQ(ParseS3ErrorDocument("<Error><Code>Trunc").code, "");
}

TEST(S3Error, MessageNamesOperationObjectStatusCodeAndRequestId) {
  Error e = MakeS3Error(kContext, Response(404, kNoSuchKey));
  EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  const std::string what = e.what();
  for (const char* part : {"GetObject", "s3://mybucket/myfoto.jpg", "HTTP 404", "NoSuchKey",
                           "does not exist", "4442587FB7D0A2F9"}) {
    EXPECT_NE(what.find(part), std::string::npos) << part << " missing in: " << what;
  }
}

TEST(S3Error, RequestIdFallsBackToTheHeader) {
  net::HttpResponse r = Response(404, "");
  r.headers["x-amz-request-id"] = "HEADER-ID-1";
  std::string what = MakeS3Error(kContext, r).what();
  EXPECT_NE(what.find("HEADER-ID-1"), std::string::npos) << what;
  EXPECT_NE(what.find("no such object"), std::string::npos) << what;
}

TEST(S3Error, Classification) {
  auto kind = [](long status, const std::string& code) {
    std::string body = code.empty() ? "" : "<Error><Code>" + code + "</Code></Error>";
    return MakeS3Error(kContext, Response(status, body)).kind();
  };
  EXPECT_EQ(kind(503, "SlowDown"), ErrorKind::kTransient);
  EXPECT_EQ(kind(500, "InternalError"), ErrorKind::kTransient);
  EXPECT_EQ(kind(502, ""), ErrorKind::kTransient);
  EXPECT_EQ(kind(504, ""), ErrorKind::kTransient);
  EXPECT_EQ(kind(429, ""), ErrorKind::kTransient);
  EXPECT_EQ(kind(400, "RequestTimeout"), ErrorKind::kTransient);
  EXPECT_EQ(kind(412, "PreconditionFailed"), ErrorKind::kPrecondition);
  EXPECT_EQ(kind(403, "AccessDenied"), ErrorKind::kAccessDenied);
  EXPECT_EQ(kind(403, "InvalidAccessKeyId"), ErrorKind::kAccessDenied);
  EXPECT_EQ(kind(404, "NoSuchBucket"), ErrorKind::kNotFound);
  EXPECT_EQ(kind(400, "InvalidArgument"), ErrorKind::kIo);
  EXPECT_EQ(kind(400, "EntityTooSmall"), ErrorKind::kIo);
}

TEST(S3Error, ThrottlingIsAnyAnswerAskingToSlowDown) {
  EXPECT_TRUE(IsThrottlingS3Failure(503, "SlowDown"));
  EXPECT_TRUE(IsThrottlingS3Failure(503, ""));  // radosgw and proxies send no code
  EXPECT_TRUE(IsThrottlingS3Failure(429, ""));
  EXPECT_TRUE(IsThrottlingS3Failure(400, "RequestLimitExceeded"));
  EXPECT_TRUE(IsThrottlingS3Failure(400, "Throttling"));
  EXPECT_TRUE(IsThrottlingS3Failure(400, "ThrottlingException"));
  EXPECT_TRUE(IsRetryableS3Failure(400, "RequestLimitExceeded"));
  EXPECT_FALSE(IsThrottlingS3Failure(500, "InternalError"));
  EXPECT_FALSE(IsThrottlingS3Failure(502, ""));
  EXPECT_FALSE(IsThrottlingS3Failure(400, "RequestTimeout"));
  EXPECT_FALSE(IsThrottlingS3Failure(404, "NoSuchKey"));
}

TEST(S3Error, WrongCredentialsNameTheKeyIdNeverTheSecret) {
  std::string what = MakeS3Error(kContext, Response(403,
                                                    "<Error><Code>SignatureDoesNotMatch</Code>"
                                                    "<Message>The request signature we "
                                                    "calculated does not match</Message></Error>"))
                         .what();
  EXPECT_NE(what.find("AKIAEXAMPLEKEYID"), std::string::npos) << what;
  EXPECT_NE(what.find("rejected"), std::string::npos) << what;
}

}  // namespace
}  // namespace unpackd::s3

namespace unpackd::s3 {
namespace {

TEST(S3Error, HeadErrorsFallBackToHeaders) {
  net::HttpResponse r;
  r.status = 400;
  r.headers["x-amz-error-code"] = "ExpiredToken";
  r.headers["x-amz-error-message"] = "The provided token has expired.";
  S3ErrorDocument doc = S3ErrorOf(r);
  EXPECT_EQ(doc.code, "ExpiredToken");
  std::string what = MakeS3Error({"HeadObject", "b", "k", "ASIAKEY"}, r).what();
  EXPECT_NE(what.find("ExpiredToken: The provided token has expired."), std::string::npos) << what;
  EXPECT_NE(what.find("ASIAKEY"), std::string::npos) << what;
}

}  // namespace
}  // namespace unpackd::s3
