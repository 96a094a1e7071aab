#include "extract/member_path.h"

#include <gtest/gtest.h>

#include "extract/content_type.h"
#include "extract/destination.h"
#include "util/error.h"

namespace unpackd {
namespace {

std::string Safe(const std::string& name) {
  auto r = NormalizeMemberPath(name);
  if (auto* unsafe = std::get_if<UnsafePath>(&r)) return "UNSAFE: " + unsafe->reason;
  return std::get<std::string>(r);
}

TEST(MemberPathTest, NormalizesHarmlessSpellings) {
  EXPECT_EQ(Safe("a/b/c.txt"), "a/b/c.txt");
  EXPECT_EQ(Safe("a\\b\\c.txt"), "a/b/c.txt");
  EXPECT_EQ(Safe("./a/./b.txt"), "a/b.txt");
  EXPECT_EQ(Safe("dir/"), "dir");
  EXPECT_EQ(Safe("결과/보고서 최종.json"), "결과/보고서 최종.json");
  EXPECT_EQ(Safe("..hidden/x..y"), "..hidden/x..y");
}

TEST(MemberPathTest, TheArchiveRootIsNoMember) {
  EXPECT_TRUE(IsArchiveRoot("./"));
  EXPECT_TRUE(IsArchiveRoot("."));
  EXPECT_FALSE(IsArchiveRoot("./a"));
  EXPECT_FALSE(IsArchiveRoot(""));
  EXPECT_FALSE(IsArchiveRoot(".."));
}

TEST(MemberPathTest, RefusesEverySpellingOfTraversal) {
  for (const char* name :
       {"../evil.txt", "a/../../evil.txt", "..\\evil.txt", "a\\..\\..\\evil.txt", "/etc/passwd",
        "\\etc\\passwd", "C:\\Windows\\evil.dll", "c:/evil", "\\\\host\\share\\evil",
        "//host/share/evil", "a//b.txt", "..", ".", "", "a/\x01.txt"}) {
    EXPECT_TRUE(Safe(name).starts_with("UNSAFE")) << name << " -> " << Safe(name);
  }
  EXPECT_TRUE(Safe(std::string("a\0b", 3)).starts_with("UNSAFE"));
}

TEST(DestinationTest, DefaultIsTheSeedsRule) {
  const auto d =
      ExpandDestination(kDefaultDestinationTemplate, "bkt", "user-1/project-1/result.zip");
  EXPECT_EQ(d.bucket, "bkt");
  EXPECT_EQ(d.prefix, "user-1/project-1/result/");
  EXPECT_EQ(d.KeyFor("a/b.txt"), "user-1/project-1/result/a/b.txt");
  EXPECT_EQ(d.ManifestKey(), "user-1/project-1/result/.unpackd/manifest.json");
}

TEST(DestinationTest, PlaceholdersAndEmptySegments) {
  EXPECT_EQ(ExpandDestination("{dir}/{stem}/{path}", "b", "result.zip").prefix, "result/");
  EXPECT_EQ(ExpandDestination("out/{name}-{ext}/{path}", "b", "x/a.b.zip").prefix,
            "out/a.b.zip-zip/");
  EXPECT_EQ(ExpandDestination("{dir}/result/{path}", "b", "u/p/other.zip").prefix, "u/p/result/");
  EXPECT_EQ(ExpandDestination("{path}", "b", "u/p/other.zip").prefix, "");
  EXPECT_THROW(ExpandDestination("{dir}/{bogus}/{path}", "b", "a.zip"), Error);
  EXPECT_THROW(ExpandDestination("{path}/x", "b", "a.zip"), Error);
  EXPECT_THROW(ExpandDestination("{dir}/", "b", "a.zip"), Error);
}

TEST(DestinationTest, StemDropsACompressedTarsWholeSuffix) {
  for (const char* key : {"u/result.tar.gz", "u/result.tgz", "u/result.TAR.XZ", "u/result.tar",
                          "u/result.tar.zst", "u/result.tar.bz2"}) {
    EXPECT_EQ(ExpandDestination(kDefaultDestinationTemplate, "b", key).prefix, "u/result/") << key;
  }
  EXPECT_EQ(ExpandDestination("{ext}/{path}", "b", "r.tar.gz").prefix, "tar.gz/");
  // Only a compression suffix makes ".tar" part of it; a lone file keeps its own name.
  EXPECT_EQ(ExpandDestination("{stem}/{path}", "b", "r.tar.zip").prefix, "r.tar/");
  EXPECT_EQ(ExpandDestination("{stem}/{path}", "b", "data.csv.gz").prefix, "data.csv/");
  EXPECT_EQ(ExpandDestination("{stem}/{path}", "b", ".tar.gz").prefix, ".tar/");
}

TEST(ContentTypeTest, UsesMimeTypesWithCharsetForText) {
  const ContentTypeMap types;
  EXPECT_EQ(types.ForPath("a/b.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(types.ForPath("a/B.TXT"), "text/plain; charset=utf-8");
  EXPECT_EQ(types.ForPath("x.json"), "application/json");
  EXPECT_EQ(types.ForPath("x.png"), "image/png");
  EXPECT_EQ(types.ForPath("x.jpg"), "image/jpeg");
  EXPECT_EQ(types.ForPath("x.csv"), "text/csv; charset=utf-8");
  EXPECT_EQ(types.ForPath("x.unknownext"), "application/octet-stream");
  EXPECT_EQ(types.ForPath("dir.d/noext"), "application/octet-stream");
}

TEST(ContentTypeTest, BuiltInRulesWithoutMimeTypes) {
  const ContentTypeMap types("/nonexistent/mime.types");
  EXPECT_EQ(types.ForPath("a.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(types.ForPath("a.json"), "application/json");
  EXPECT_EQ(types.ForPath("a.png"), "application/octet-stream");
}

}  // namespace
}  // namespace unpackd
