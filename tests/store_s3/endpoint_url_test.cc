// Endpoint URLs: checked before any request (a bad port is a usage error, not a failed
// request), and never named in a message with their password.
#include "net/endpoint_url.h"

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "store/s3/s3_addressing.h"
#include "store/s3/s3_client.h"
#include "store_s3/s3_test_support.h"
#include "util/error.h"

namespace unpackd::net {
namespace {

TEST(EndpointUrlTest, AcceptsWhatServersAreReachedBy) {
  for (const char* url :
       {"http://127.0.0.1:4568", "https://s3.eu-west-1.amazonaws.com", "HTTPS://minio:9000/base/",
        "http://user:pass@host:1", "http://[::1]:65535", "http://[fe80::1%25eth0]", "http://h_1"}) {
    EXPECT_EQ(EndpointUrlProblem(url), std::nullopt) << url;
  }
}

TEST(EndpointUrlTest, RefusesPortsOutOfRangeAndOtherMalformedUrls) {
  const std::pair<const char*, const char*> cases[] = {
      {"http://127.0.0.1:99999", "a port is 1 to 65535"},
      {"http://127.0.0.1:0", "a port is 1 to 65535"},
      {"http://127.0.0.1:", "empty port"},
      {"http://127.0.0.1:80a", "not a number"},
      {"ftp://host", "http:// or https://"},
      {"127.0.0.1:9000", "http:// or https://"},
      {"http://", "no host"},
      {"http://:9000", "no host"},
      {"http://user@/x", "no host"},
      {"http://host/?x=1", "query"},
      {"http://ho st", "space"},
      {"http://::1:9000", "IPv6 host goes in brackets"},
      {"http://[::1", "without ']'"},
  };
  for (const auto& [url, needle] : cases) {
    const auto problem = EndpointUrlProblem(url);
    ASSERT_TRUE(problem.has_value()) << url;
    EXPECT_NE(problem->find(needle), std::string::npos) << url << ": " << *problem;
  }
}

TEST(EndpointUrlTest, RedactsOnlyThePassword) {
  EXPECT_EQ(RedactUrl("http://user:pass@host:9000/b"), "http://user:***@host:9000/b");
  EXPECT_EQ(RedactUrl("http://user:p@ss@host"), "http://user:***@host");
  EXPECT_EQ(RedactUrl("https://:secret@host"), "https://:***@host");
  EXPECT_EQ(RedactUrl("http://user@host:9000"), "http://user@host:9000");
  EXPECT_EQ(RedactUrl("http://host:9000/b/k"), "http://host:9000/b/k");
  EXPECT_EQ(RedactUrl("not a url"), "not a url");
  const auto problem = EndpointUrlProblem("http://user:secret@127.0.0.1:99999");
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("http://user:***@127.0.0.1:99999"), std::string::npos) << *problem;
  EXPECT_EQ(problem->find("secret"), std::string::npos) << *problem;
}

// A failed request names its URL; the password in it must not travel into the message.
TEST(EndpointUrlTest, FailedRequestsNameTheUrlWithoutThePassword) {
  HttpClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(2000);
  HttpClient client(options);
  HttpRequest request;
  request.url = "http://user:secret@127.0.0.1:1/bucket/key";  // port 1: refused at once
  try {
    client.Perform(request);
    FAIL() << "a request to port 1 succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("http://user:***@127.0.0.1:1/bucket/key"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
  }
}

// The retry budget's final message names the endpoint too.
TEST(EndpointUrlTest, AnOutageMessageNamesTheEndpointWithoutThePassword) {
  // Port 1: refused at once.
  s3::S3Config config = testing::TestS3Config("http://user:secret@127.0.0.1:1");
  config.retry.time_budget = std::chrono::milliseconds(0);
  s3::S3Client client(config);
  try {
    client.HeadObject("bucket", "key");
    FAIL() << "a request to port 1 succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("http://user:***@127.0.0.1:1 kept failing"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
  }
}

TEST(EndpointUrlTest, S3AddressingNamesABadEndpointWithoutThePassword) {
  try {
    s3::S3Addressing("ftp://user:secret@host", "us-east-1", std::nullopt);
    FAIL() << "ftp was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("ftp://user:***@host"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace unpackd::net
