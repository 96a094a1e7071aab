#include "store/s3/s3_addressing.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace unpackd::s3 {
namespace {

TEST(S3Addressing, AwsDefaultsToVirtualHostedStyle) {
  S3Addressing aws("", "eu-west-1", std::nullopt);
  S3Target t = aws.For("my-bucket", "dir/a b.txt", {});
  EXPECT_EQ(t.host, "my-bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(t.canonical_uri, "/dir/a%20b.txt");
  EXPECT_EQ(t.url, "https://my-bucket.s3.eu-west-1.amazonaws.com/dir/a%20b.txt");
  EXPECT_TRUE(aws.is_https());
}

TEST(S3Addressing, BucketsWithDotsUsePathStyleOnAws) {
  S3Addressing aws("", "us-east-1", std::nullopt);
  S3Target t = aws.For("my.dotted.bucket", "k", {});
  EXPECT_EQ(t.host, "s3.us-east-1.amazonaws.com");
  EXPECT_EQ(t.canonical_uri, "/my.dotted.bucket/k");
}

TEST(S3Addressing, CustomEndpointsDefaultToPathStyle) {
  S3Addressing minio("http://127.0.0.1:9000", "us-east-1", std::nullopt);
  S3Target t = minio.For("bucket", "한 글", {{"uploads", ""}});
  EXPECT_EQ(t.host, "127.0.0.1:9000");
  EXPECT_EQ(t.canonical_uri, "/bucket/%ED%95%9C%20%EA%B8%80");
  EXPECT_EQ(t.url, "http://127.0.0.1:9000/bucket/%ED%95%9C%20%EA%B8%80?uploads=");
  EXPECT_FALSE(minio.is_https());
}

TEST(S3Addressing, PathStyleIsOverridable) {
  S3Addressing forced_virtual("https://storage.example.com/", "us-east-1", false);
  EXPECT_EQ(forced_virtual.For("bucket", "k", {}).url, "https://bucket.storage.example.com/k");
  S3Addressing forced_path("", "us-east-1", true);
  EXPECT_EQ(forced_path.For("bucket", "k", {}).url, "https://s3.us-east-1.amazonaws.com/bucket/k");
  // Names that cannot be host names stay path style whatever was asked.
  EXPECT_EQ(forced_virtual.For("Upper_Case", "k", {}).url,
            "https://storage.example.com/Upper_Case/k");
}

TEST(S3Addressing, EndpointBasePathIsKept) {
  S3Addressing gateway("https://gw.example.com/s3/", "us-east-1", std::nullopt);
  S3Target t = gateway.For("b", "k", {});
  EXPECT_EQ(t.canonical_uri, "/s3/b/k");
  EXPECT_EQ(t.url, "https://gw.example.com/s3/b/k");
}

TEST(S3Addressing, BucketLevelCallsHaveNoKey) {
  S3Addressing minio("http://h:1", "r", std::nullopt);
  EXPECT_EQ(minio.For("b", "", {{"list-type", "2"}}).url, "http://h:1/b?list-type=2");
  S3Addressing aws("", "r", std::nullopt);
  EXPECT_EQ(aws.For("bucket", "", {}).url, "https://bucket.s3.r.amazonaws.com/");
}

TEST(S3Addressing, MalformedEndpointsAreUsageErrors) {
  for (const char* bad : {"127.0.0.1:9000", "ftp://host", "http://", "http://h/?x=1"}) {
    try {
      S3Addressing a(bad, "us-east-1", std::nullopt);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUsage) << bad;
    }
  }
}

}  // namespace
}  // namespace unpackd::s3
