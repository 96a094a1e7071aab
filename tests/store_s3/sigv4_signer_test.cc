// SigV4 checked byte for byte against AWS's published examples.
//
// Vectors 1-4 come from the AWS Signature Version 4 test suite
// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html, directories
// get-vanilla, get-vanilla-query-order-key-case, post-x-www-form-urlencoded and
// post-sts-token/post-sts-header-before): credentials AKIDEXAMPLE /
// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, region us-east-1, service "service",
// time 20150830T123600Z. Vectors 5-8 are the worked examples of the Amazon S3 API reference,
// "Signature Calculations for the Authorization Header: Transferring Payload in a Single
// Chunk" (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html):
// AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, us-east-1, s3,
// 20130524T000000Z.
#include "cloud/aws/sigv4_signer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "cloud/aws/hashing.h"
#include "net/uri_encoding.h"

namespace unpackd::s3 {
namespace {

using std::chrono::system_clock;

system_clock::time_point SuiteTime() {
  return system_clock::from_time_t(1440938160);
}  // 2015-08-30T12:36:00Z
system_clock::time_point S3ExampleTime() {
  return system_clock::from_time_t(1369353600);
}  // 2013-05-24T00:00:00Z

aws::AwsCredentials SuiteCredentials() {
  aws::AwsCredentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return c;
}

aws::AwsCredentials S3ExampleCredentials() {
  aws::AwsCredentials c;
  c.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  return c;
}

constexpr char kEmptyHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4Signer, FormatsAmzDate) {
  EXPECT_EQ(aws::AmzDate(SuiteTime()), "20150830T123600Z");
  EXPECT_EQ(aws::AmzDate(S3ExampleTime()), "20130524T000000Z");
}

TEST(SigV4Signer, SuiteGetVanilla) {
  aws::SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  request.payload_hash = kEmptyHash;
  aws::SigningResult result =
      aws::SigV4Signer("us-east-1", "service").Sign(request, SuiteCredentials(), SuiteTime());
  EXPECT_EQ(
      result.canonical_request,
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
          std::string(kEmptyHash));
  EXPECT_EQ(result.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(result.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Signer, SuiteGetVanillaQueryOrderKeyCase) {
  aws::SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  request.payload_hash = kEmptyHash;
  aws::SigningResult result =
      aws::SigV4Signer("us-east-1", "service").Sign(request, SuiteCredentials(), SuiteTime());
  EXPECT_EQ(result.canonical_request,
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
                std::string(kEmptyHash));
  EXPECT_EQ(result.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Signer, SuitePostXWwwFormUrlencoded) {
  const std::string body = "Param1=value1";
  aws::SigningRequest request;
  request.method = "POST";
  request.canonical_uri = "/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Host", "example.amazonaws.com"},
                     {"X-Amz-Date", "20150830T123600Z"}};
  request.payload_hash = aws::Sha256Hex(std::string_view(body));
  EXPECT_EQ(request.payload_hash,
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  aws::SigningResult result =
      aws::SigV4Signer("us-east-1", "service").Sign(request, SuiteCredentials(), SuiteTime());
  EXPECT_EQ(result.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Signer, SuitePostStsHeaderBeforeSignsTheSessionToken) {
  aws::AwsCredentials credentials = SuiteCredentials();
  credentials.session_token =
      "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp"
      "SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQ"
      "DYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+s"
      "cqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";
  aws::SigningRequest request;
  request.method = "POST";
  request.canonical_uri = "/";
  request.headers = {{"Host", "example.amazonaws.com"},
                     {"X-Amz-Date", "20150830T123600Z"},
                     {"X-Amz-Security-Token", credentials.session_token}};
  request.payload_hash = kEmptyHash;
  aws::SigningResult result =
      aws::SigV4Signer("us-east-1", "service").Sign(request, credentials, SuiteTime());
  EXPECT_EQ(result.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6");
  EXPECT_EQ(result.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-security-token, "
            "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

TEST(SigV4Signer, S3ExampleGetObjectWithRange) {
  aws::SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}};
  request.payload_hash = kEmptyHash;
  std::string authorization = aws::SigV4Signer("us-east-1", "s3")
                                  .AddAuthHeaders(request, S3ExampleCredentials(), S3ExampleTime());
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Signer, S3ExamplePutObjectWithReservedCharacterInKey) {
  const std::string body = "Welcome to Amazon S3.";
  aws::SigningRequest request;
  request.method = "PUT";
  request.canonical_uri = net::UriEncodePath("/test$file.text");
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  request.payload_hash = aws::Sha256Hex(std::string_view(body));
  EXPECT_EQ(request.canonical_uri, "/test%24file.text");
  std::string authorization = aws::SigV4Signer("us-east-1", "s3")
                                  .AddAuthHeaders(request, S3ExampleCredentials(), S3ExampleTime());
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
            "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Signer, S3ExampleGetBucketLifecycleValuelessQuery) {
  aws::SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.query = {{"lifecycle", ""}};
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  request.payload_hash = kEmptyHash;
  aws::SigV4Signer signer("us-east-1", "s3");
  std::string authorization =
      signer.AddAuthHeaders(request, S3ExampleCredentials(), S3ExampleTime());
  EXPECT_NE(authorization.find(
                "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
            std::string::npos)
      << authorization;
}

TEST(SigV4Signer, S3ExampleListObjects) {
  aws::SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.query = {{"max-keys", "2"}, {"prefix", "J"}};
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  request.payload_hash = kEmptyHash;
  std::string authorization = aws::SigV4Signer("us-east-1", "s3")
                                  .AddAuthHeaders(request, S3ExampleCredentials(), S3ExampleTime());
  EXPECT_NE(authorization.find(
                "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
            std::string::npos)
      << authorization;
}

TEST(SigV4Signer, AddAuthHeadersPutsSessionTokenAndPayloadHashUnderTheSignature) {
  aws::AwsCredentials credentials = S3ExampleCredentials();
  credentials.session_token = "session-token-value";
  aws::SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/k";
  request.headers = {{"host", "b.example"}};
  request.payload_hash = "UNSIGNED-PAYLOAD";
  std::string authorization =
      aws::SigV4Signer("eu-west-1", "s3").AddAuthHeaders(request, credentials, S3ExampleTime());
  EXPECT_NE(authorization.find(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
            std::string::npos)
      << authorization;
  EXPECT_NE(authorization.find("/20130524/eu-west-1/s3/aws4_request"), std::string::npos);
  EXPECT_EQ(authorization.find(credentials.secret_access_key), std::string::npos);
  bool has_token = false;
  for (const auto& [name, value] : request.headers) {
    if (name == "x-amz-security-token") has_token = value == "session-token-value";
  }
  EXPECT_TRUE(has_token);
}

TEST(SigV4Signer, DifferentSecretGivesDifferentSignature) {
  aws::SigningRequest request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.headers = {{"host", "h"}};
  request.payload_hash = kEmptyHash;
  aws::AwsCredentials other = S3ExampleCredentials();
  other.secret_access_key += "x";
  aws::SigV4Signer signer("us-east-1", "s3");
  EXPECT_NE(signer.Sign(request, S3ExampleCredentials(), S3ExampleTime()).signature,
            signer.Sign(request, other, S3ExampleTime()).signature);
}

}  // namespace
}  // namespace unpackd::s3
