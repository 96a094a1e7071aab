// The credential chain, each source tested for real: environment variables, profile files in a
// temp HOME, and the container and EC2 metadata endpoints served by loopback HTTP servers
// (AWS's own 169.254.x addresses cannot exist here; the endpoints are overridable exactly as
// the AWS SDKs allow).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "cloud/aws/aws_config_file.h"
#include "cloud/aws/container_credentials_provider.h"
#include "cloud/aws/credentials_chain.h"
#include "cloud/aws/credentials_json.h"
#include "cloud/aws/environment_credentials_provider.h"
#include "cloud/aws/imds_credentials_provider.h"
#include "cloud/aws/profile_credentials_provider.h"
#include "store/s3/s3_config.h"
#include "store_s3/scoped_env.h"
#include "support/loopback_http_server.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

namespace fs = std::filesystem;
using testing::LoopbackHttpServer;
using testing::LoopbackRequest;
using testing::LoopbackResponse;
using testing::ScopedEnv;

class CredentialsTest : public ::testing::Test {
 protected:
  CredentialsTest() {
    env_.ClearAws();
    char pattern[] = "/tmp/unpackd-creds-XXXXXX";
    home_ = ::mkdtemp(pattern);
    env_.Set("HOME", home_);
    env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  }
  ~CredentialsTest() override { fs::remove_all(home_); }

  void WriteFile(const std::string& relative, const std::string& content) {
    fs::path path = fs::path(home_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }

  ScopedEnv env_;
  std::string home_;
};

std::string FutureIso8601(std::chrono::seconds from_now) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string CredentialsJson(const std::string& key_id, std::chrono::seconds valid_for) {
  return R"({"Code":"Success","AccessKeyId":")" + key_id + R"(","SecretAccessKey":"secret-)" +
         key_id + R"(","Token":"token-)" + key_id + R"(","Expiration":")" +
         FutureIso8601(valid_for) + R"("})";
}

TEST_F(CredentialsTest, EnvironmentWithSessionToken) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "env-secret");
  env_.Set("AWS_SESSION_TOKEN", "env-token");
  auto c = aws::EnvironmentCredentialsProvider().Fetch();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->secret_access_key, "env-secret");
  EXPECT_EQ(c->session_token, "env-token");
}

TEST_F(CredentialsTest, EnvironmentUnsetOrHalfSet) {
  EXPECT_FALSE(aws::EnvironmentCredentialsProvider().Fetch());
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  try {
    aws::EnvironmentCredentialsProvider().Fetch();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied);
    EXPECT_NE(std::string(e.what()).find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  }
}

TEST_F(CredentialsTest, ProfileFromCredentialsFileThenConfigFile) {
  WriteFile(".aws/credentials",
            "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = "
            "default-secret\n\n[dev]\nAWS_ACCESS_KEY_ID=AKIDDEV\naws_secret_access_key=dev-secret\n"
            "aws_session_token = dev-token\n");
  WriteFile(".aws/config",
            "[default]\nregion = eu-central-1\n[profile staging]\naws_access_key_id = AKIDSTAGING\n"
            "aws_secret_access_key = staging-secret\nregion = ap-northeast-2\n");
  auto d = aws::ProfileCredentialsProvider().Fetch();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(d->secret_access_key, "default-secret");

  env_.Set("AWS_PROFILE", "dev");
  auto dev = aws::ProfileCredentialsProvider().Fetch();
  ASSERT_TRUE(dev);
  EXPECT_EQ(dev->access_key_id, "AKIDDEV");
  EXPECT_EQ(dev->session_token, "dev-token");

  auto staging = aws::ProfileCredentialsProvider("staging").Fetch();
  ASSERT_TRUE(staging);
  EXPECT_EQ(staging->access_key_id, "AKIDSTAGING");
  EXPECT_EQ(aws::RegionFromAwsConfig("staging"), "ap-northeast-2");
  EXPECT_EQ(aws::RegionFromAwsConfig("default"), "eu-central-1");
  EXPECT_EQ(aws::RegionFromAwsConfig("dev"), "");
}

TEST_F(CredentialsTest, FileLocationsAreOverridable) {
  WriteFile("elsewhere/creds",
            "[default]\naws_access_key_id=AKIDELSEWHERE\naws_secret_access_key=s\n");
  env_.Set("AWS_SHARED_CREDENTIALS_FILE", home_ + "/elsewhere/creds");
  auto c = aws::ProfileCredentialsProvider().Fetch();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKIDELSEWHERE");
}

TEST_F(CredentialsTest, MissingNamedProfileIsAClearErrorNotAFallThrough) {
  WriteFile(".aws/credentials", "[default]\naws_access_key_id=A\naws_secret_access_key=B\n");
  try {
    aws::ProfileCredentialsProvider("typo").Fetch();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied);
    EXPECT_NE(std::string(e.what()).find("'typo' not found"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(aws::ProfileCredentialsProvider("default").Fetch().has_value());
  fs::remove_all(home_ + "/.aws");
  EXPECT_FALSE(aws::ProfileCredentialsProvider().Fetch());
}

TEST_F(CredentialsTest, ContainerFullUriWithAuthorizationToken) {
  std::atomic<int> calls{0};
  LoopbackHttpServer server([&](const LoopbackRequest& r) {
    ++calls;
    LoopbackResponse response;
    if (r.target != "/creds" || r.Header("authorization") != "Bearer abc") {
      response.status = 403;
      return response;
    }
    response.body = CredentialsJson("ASIACONTAINER", std::chrono::hours(1));
    return response;
  });
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer abc");
  auto c = aws::ContainerCredentialsProvider().Fetch();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "ASIACONTAINER");
  EXPECT_EQ(c->secret_access_key, "secret-ASIACONTAINER");
  EXPECT_EQ(c->session_token, "token-ASIACONTAINER");
  ASSERT_TRUE(c->expiration);
  EXPECT_GT(*c->expiration, std::chrono::system_clock::now() + std::chrono::minutes(50));

  // The token file wins over the variable.
  WriteFile("token", "Bearer wrong\n");
  env_.Set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", home_ + "/token");
  EXPECT_THROW(aws::ContainerCredentialsProvider().Fetch(), Error);
  WriteFile("token", "Bearer abc\n");
  EXPECT_TRUE(aws::ContainerCredentialsProvider().Fetch());
}

TEST_F(CredentialsTest, ContainerRelativeUri) {
  LoopbackHttpServer server([&](const LoopbackRequest& r) {
    LoopbackResponse response;
    if (r.target == "/v2/credentials/uuid-1") {
      response.body = CredentialsJson("ASIARELATIVE", std::chrono::hours(1));
    } else {
      response.status = 404;
    }
    return response;
  });
  env_.Set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/uuid-1");
  auto c = aws::ContainerCredentialsProvider(server.url()).Fetch();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "ASIARELATIVE");
}

TEST_F(CredentialsTest, ContainerFullUriMustBeLoopbackOrHttps) {
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://203.0.113.9/creds");
  try {
    aws::ContainerCredentialsProvider().Fetch();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied);
    EXPECT_NE(std::string(e.what()).find("loopback"), std::string::npos) << e.what();
  }
}

TEST_F(CredentialsTest, ContainerGarbageIsAClearError) {
  LoopbackHttpServer server([](const LoopbackRequest&) {
    LoopbackResponse response;
    response.body = "<html>not json</html>";
    return response;
  });
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds");
  try {
    aws::ContainerCredentialsProvider().Fetch();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not JSON"), std::string::npos) << e.what();
  }
}

// A loopback stand-in for the EC2 instance metadata service that insists on IMDSv2 tokens.
class FakeImds {
 public:
  FakeImds() : server_([this](const LoopbackRequest& r) { return Handle(r); }) {}
  std::string url() const { return server_.url(); }
  std::atomic<int> credential_fetches{0};
  std::atomic<int> valid_seconds{3600};

 private:
  LoopbackResponse Handle(const LoopbackRequest& r) {
    LoopbackResponse response;
    if (r.method == "PUT" && r.target == "/latest/api/token") {
      if (r.Header("x-aws-ec2-metadata-token-ttl-seconds").empty()) {
        response.status = 400;
      } else {
        response.body = "imds-session-token";
      }
      return response;
    }
    if (r.Header("x-aws-ec2-metadata-token") != "imds-session-token") {
      response.status = 401;
      return response;
    }
    if (r.target == "/latest/meta-data/iam/security-credentials/") {
      response.body = "my-role\n";
    } else if (r.target == "/latest/meta-data/iam/security-credentials/my-role") {
      int n = ++credential_fetches;
      response.body = CredentialsJson("ASIAIMDS" + std::to_string(n),
                                      std::chrono::seconds(valid_seconds.load()));
    } else {
      response.status = 404;
    }
    return response;
  }
  LoopbackHttpServer server_;
};

TEST_F(CredentialsTest, ImdsV2RoleCredentials) {
  FakeImds imds;
  env_.Unset("AWS_EC2_METADATA_DISABLED");
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url());
  auto c = aws::ImdsCredentialsProvider().Fetch();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "ASIAIMDS1");
  EXPECT_EQ(c->session_token, "token-ASIAIMDS1");
  EXPECT_NE(c->source.find("my-role"), std::string::npos);
  env_.Set("AWS_EC2_METADATA_DISABLED", "true");
  EXPECT_FALSE(aws::ImdsCredentialsProvider().Fetch());
}

TEST_F(CredentialsTest, ImdsUnreachableMeansNotOnEc2) {
  env_.Unset("AWS_EC2_METADATA_DISABLED");
  // A port nobody listens on any more: connection refused at once.
  int port;
  {
    LoopbackHttpServer closed([](const LoopbackRequest&) { return LoopbackResponse{}; });
    port = closed.port();
  }
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(port));
  EXPECT_FALSE(aws::ImdsCredentialsProvider().Fetch());
}

TEST_F(CredentialsTest, ChainOrderEnvironmentThenProfileThenContainerThenImds) {
  FakeImds imds;
  env_.Unset("AWS_EC2_METADATA_DISABLED");
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url());
  LoopbackHttpServer container([](const LoopbackRequest&) {
    LoopbackResponse response;
    response.body = CredentialsJson("ASIACONTAINER", std::chrono::hours(1));
    return response;
  });

  EXPECT_EQ(aws::MakeDefaultCredentialsChain("")->Fetch()->access_key_id, "ASIAIMDS1");
  env_.Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url() + "/c");
  EXPECT_EQ(aws::MakeDefaultCredentialsChain("")->Fetch()->access_key_id, "ASIACONTAINER");
  WriteFile(".aws/credentials",
            "[default]\naws_access_key_id=AKIDPROFILE\naws_secret_access_key=p\n");
  EXPECT_EQ(aws::MakeDefaultCredentialsChain("")->Fetch()->access_key_id, "AKIDPROFILE");
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "e");
  EXPECT_EQ(aws::MakeDefaultCredentialsChain("")->Fetch()->access_key_id, "AKIDENV");
}

TEST_F(CredentialsTest, NothingConfiguredGivesNothing) {
  EXPECT_FALSE(aws::MakeDefaultCredentialsChain("")->Fetch());
}

TEST_F(CredentialsTest, TemporaryCredentialsAreCachedAndRefreshedBeforeExpiry) {
  FakeImds imds;
  env_.Unset("AWS_EC2_METADATA_DISABLED");
  env_.Set("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url());
  imds.valid_seconds = 3600;
  aws::CachingCredentialsProvider cache(std::make_unique<aws::ImdsCredentialsProvider>(),
                                        std::chrono::minutes(5));
  EXPECT_EQ(cache.Fetch()->access_key_id, "ASIAIMDS1");
  EXPECT_EQ(cache.Fetch()->access_key_id, "ASIAIMDS1");  // cached: an hour left
  EXPECT_EQ(imds.credential_fetches.load(), 1);
  cache.Invalidate();
  imds.valid_seconds = 120;  // inside the five-minute refresh margin
  EXPECT_EQ(cache.Fetch()->access_key_id, "ASIAIMDS2");
  EXPECT_EQ(cache.Fetch()->access_key_id, "ASIAIMDS3");  // refreshed, not reused
}

TEST(CredentialsJson, ParsesAndRejects) {
  aws::AwsCredentials c = aws::ParseCredentialsJson(
      R"({"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2030-01-02T03:04:05Z"})",
      "test");
  EXPECT_EQ(c.access_key_id, "A");
  ASSERT_TRUE(c.expiration);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*c.expiration), 1893553445);
  EXPECT_THROW(aws::ParseCredentialsJson(R"({"AccessKeyId":"A"})", "test"), Error);
  EXPECT_THROW(aws::ParseCredentialsJson(R"({"Code":"Failed","Message":"no role"})", "test"),
               Error);
  try {
    aws::ParseCredentialsJson(
        R"({"AccessKeyId":"A","SecretAccessKey":"TOPSECRET","Expiration":"soon"})", "test");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("TOPSECRET"), std::string::npos);
  }
}

TEST_F(CredentialsTest, ConfigFromEnvironment) {
  env_.Set("AWS_ENDPOINT_URL", "http://generic:1");
  env_.Set("AWS_DEFAULT_REGION", "eu-west-3");
  env_.Set("AWS_PROFILE", "p");
  S3Config c = S3ConfigFromEnvironment();
  EXPECT_EQ(c.endpoint, "http://generic:1");
  EXPECT_EQ(c.region, "eu-west-3");
  EXPECT_EQ(c.profile, "p");
  env_.Set("AWS_ENDPOINT_URL_S3", "http://s3-specific:2");
  env_.Set("AWS_REGION", "us-west-2");
  c = S3ConfigFromEnvironment();
  EXPECT_EQ(c.endpoint, "http://s3-specific:2");
  EXPECT_EQ(c.region, "us-west-2");
  EXPECT_EQ(c.retry.time_budget, std::chrono::seconds(120));
  env_.Set("UNPACKD_RETRY_TIME", "2.5");
  EXPECT_EQ(S3ConfigFromEnvironment().retry.time_budget, std::chrono::milliseconds(2500));
  for (const char* bad : {"soon", "-1", "1e9", "nan", "3s"}) {
    env_.Set("UNPACKD_RETRY_TIME", bad);
    try {
      S3ConfigFromEnvironment();
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
      EXPECT_NE(std::string(e.what()).find("UNPACKD_RETRY_TIME"), std::string::npos) << e.what();
    }
  }
  env_.Unset("UNPACKD_RETRY_TIME");

  EXPECT_EQ(S3ConfigFromEnvironment().body_checksum, BodyChecksum::kAuto);
  EXPECT_FALSE(S3ConfigFromEnvironment().sign_payload.has_value());
  env_.Set("UNPACKD_S3_CHECKSUM", "md5");
  env_.Set("UNPACKD_S3_SIGN_PAYLOAD", "off");
  EXPECT_EQ(S3ConfigFromEnvironment().body_checksum, BodyChecksum::kContentMd5);
  EXPECT_EQ(S3ConfigFromEnvironment().sign_payload, false);
  env_.Set("UNPACKD_S3_CHECKSUM", "crc32");
  env_.Set("UNPACKD_S3_SIGN_PAYLOAD", "on");
  EXPECT_EQ(S3ConfigFromEnvironment().body_checksum, BodyChecksum::kCrc32);
  EXPECT_EQ(S3ConfigFromEnvironment().sign_payload, true);
  for (const auto& [name, bad] :
       {std::pair{"UNPACKD_S3_CHECKSUM", "sha1"}, std::pair{"UNPACKD_S3_SIGN_PAYLOAD", "yes"}}) {
    env_.Set(name, bad);
    try {
      S3ConfigFromEnvironment();
      FAIL() << name << "=" << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage);
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
    env_.Unset(name);
  }
  env_.Unset("UNPACKD_S3_CHECKSUM");
  env_.Unset("UNPACKD_S3_SIGN_PAYLOAD");
}

}  // namespace
}  // namespace unpackd::s3
