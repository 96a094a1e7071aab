#include "net/uri_encoding.h"

#include <gtest/gtest.h>

namespace unpackd::s3 {
namespace {

TEST(UriEncoding, UnreservedCharactersStay) {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(net::UriEncodeComponent(unreserved), unreserved);
}

TEST(UriEncoding, ReservedCharactersAndSpacesAreEscapedUpperCase) {
  EXPECT_EQ(net::UriEncodeComponent("a b+c=d&e/f?g#h%i"), "a%20b%2Bc%3Dd%26e%2Ff%3Fg%23h%25i");
  EXPECT_EQ(net::UriEncodeComponent("!*'();:@$,[]"), "%21%2A%27%28%29%3B%3A%40%24%2C%5B%5D");
}

TEST(UriEncoding, PathKeepsSlashesAndDoesNotNormalize) {
  EXPECT_EQ(net::UriEncodePath("dir/sub dir/file.txt"), "dir/sub%20dir/file.txt");
  EXPECT_EQ(net::UriEncodePath("a//b/./c/../d"), "a//b/./c/../d");
}

TEST(UriEncoding, Utf8IsEncodedBytewise) {
  // "한국어 파일.txt" (Korean), as S3 expects: every UTF-8 byte percent-encoded.
  EXPECT_EQ(net::UriEncodePath("한국어 파일.txt"),
            "%ED%95%9C%EA%B5%AD%EC%96%B4%20%ED%8C%8C%EC%9D%BC.txt");
  EXPECT_EQ(net::UriEncodeComponent("ሴ"), "%E1%88%B4");
}

TEST(UriEncoding, DecodeReversesEncode) {
  const std::string key = "x/한국어 a+b%c?.txt";
  EXPECT_EQ(net::UriDecode(net::UriEncodePath(key)), key);
  EXPECT_EQ(net::UriDecode("a+b"), "a+b");
  EXPECT_EQ(net::UriDecode("a+b%2B", /*plus_is_space=*/true), "a b+");
  EXPECT_EQ(net::UriDecode("bad%zz%4"), "bad%zz%4");
}

TEST(UriEncoding, CanonicalQuerySortsByEncodedNameAndKeepsEmptyValues) {
  EXPECT_EQ(net::CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(net::CanonicalQueryString({{"prefix", "a b"}, {"list-type", "2"}, {"max-keys", "3"}}),
            "list-type=2&max-keys=3&prefix=a%20b");
  EXPECT_EQ(net::CanonicalQueryString({{"b", "2"}, {"a", "z"}, {"a", "y"}}), "a=y&a=z&b=2");
  EXPECT_EQ(net::CanonicalQueryString({}), "");
}

}  // namespace
}  // namespace unpackd::s3
