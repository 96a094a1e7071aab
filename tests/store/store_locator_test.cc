#include "store/registry/store_locator.h"

#include <gtest/gtest.h>

#include <optional>

#include "util/error.h"

namespace unpackd {
namespace {

// The error ParseLocation throws for `url`, or nullopt when it parses.
std::optional<Error> ParseError(const std::string& url, const std::filesystem::path& root) {
  try {
    ParseLocation(url, root);
    return std::nullopt;
  } catch (const Error& e) {
    return e;
  }
}

TEST(StoreLocatorTest, ParsesS3AndLocalLocations) {
  const Location s3 = ParseLocation("s3://b/user-1/r.zip", "/srv");
  EXPECT_EQ(s3.scheme, StoreScheme::kS3);
  EXPECT_EQ(s3.ref.bucket, "b");
  EXPECT_EQ(s3.ref.key, "user-1/r.zip");
  const Location local = ParseLocation("/srv/b/user-1/r.zip", "/srv");
  EXPECT_EQ(local.scheme, StoreScheme::kLocal);
  EXPECT_EQ(local.ref.bucket, "b");
  EXPECT_EQ(local.ref.key, "user-1/r.zip");
}

// A scheme typed without its "//" used to be taken for a relative path: "s3:/b/k.zip" became
// bucket "s3:" of the local store rooted at the current directory.
TEST(StoreLocatorTest, SchemesWithoutTheirSlashesAreMalformedUrls) {
  const std::filesystem::path cwd = std::filesystem::current_path();
  for (const char* url : {"s3:/b/k.zip", "s3:b/k", "s3:///k", "S3:b/k", "file:x.zip", "s3://"}) {
    const auto error = ParseError(url, cwd);
    ASSERT_TRUE(error.has_value()) << url << " was taken for a location";
    EXPECT_EQ(error->kind(), ErrorKind::kUsage) << url;
    EXPECT_EQ(error->code(), "malformed-url") << url;
    EXPECT_NE(std::string(error->what()).find("s3://bucket/key"), std::string::npos)
        << error->what();
    EXPECT_TRUE(LooksLikeLocation(url)) << url << " would be taken for a --to template";
  }
  EXPECT_FALSE(ParseError("s3://b", cwd).has_value()) << "a bucket location stays valid";
  EXPECT_FALSE(LooksLikeLocation("{dir}/{stem}/{path}"));
}

}  // namespace
}  // namespace unpackd
