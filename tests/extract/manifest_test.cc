// The manifest streamed both ways: written member by member, read back as a summary that stops
// before the member list, or member by member; older (alphabetical) manifests still read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "extract/manifest_reader.h"
#include "extract/manifest_writer.h"
#include "store/memory/memory_store.h"
#include "util/error.h"

namespace unpackd {
namespace {

const ObjectRef kRef{"bkt", "out/.unpackd/manifest.json"};

ManifestSummary Summary(uint64_t members, uint64_t skipped) {
  ManifestSummary s;
  s.source_bucket = "bkt";
  s.source_key = "u/p/result.zip";
  s.source_etag = "\"abc\"";
  s.source_version_id = "v1";
  s.source_size = 1234;
  s.destination_bucket = "bkt";
  s.destination_prefix = "u/p/result/";
  s.member_count = members;
  s.skipped_count = skipped;
  s.total_bytes = 10 * members;
  s.created_at = "2026-11-30T00:00:00Z";
  s.unpackd_version = "test";
  return s;
}

ManifestMember Member(int i) {
  return ManifestMember{"결과/" + std::to_string(i) + ".txt",
                        "u/p/result/결과/" + std::to_string(i) + ".txt", 10,
                        i % 2 == 0 ? std::optional<uint32_t>(0xdeadbeefu + i) : std::nullopt,
                        "text/plain; charset=utf-8"};
}

class ManifestTest : public ::testing::Test {
 protected:
  void Write(const ManifestSummary& summary, int skips) {
    ManifestWriter writer(store_, kRef, summary);
    for (uint64_t i = 0; i < summary.member_count; ++i)
      writer.AddMember(Member(static_cast<int>(i)));
    for (int i = 0; i < skips; ++i) writer.AddSkip({"../evil", "unsafe-path", "line\nbreak"});
    writer.Commit();
  }
  void PutRaw(const std::string& text) {
    auto writer = store_.NewWriter(kRef, {});
    writer->Append(std::as_bytes(std::span(text)));
    writer->Commit();
  }
  std::string Text() {
    auto object = store_.OpenForRead(kRef);
    std::string text(object->size(), '\0');
    object->ReadAt(0, std::as_writable_bytes(std::span(text)));
    return text;
  }
  std::vector<ManifestMember> Members() {
    std::vector<ManifestMember> out;
    ForEachManifestMember(store_, kRef, [&](const ManifestMember& m) {
      out.push_back(m);
      return true;
    });
    return out;
  }

  MemoryStore store_;
};

TEST_F(ManifestTest, WrittenDocumentIsJsonWithSummaryFirstAndEveryList) {
  Write(Summary(3, 2), 2);
  const std::string text = Text();
  const auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["format"], kManifestFormat);
  EXPECT_EQ(json["source"]["etag"], "\"abc\"");
  EXPECT_EQ(json["totals"]["members"], 3);
  EXPECT_EQ(json["totals"]["skipped"], 2);
  ASSERT_EQ(json["members"].size(), 3u);
  EXPECT_EQ(json["members"][2]["key"], "u/p/result/결과/2.txt");
  EXPECT_EQ(json["members"][0]["crc32"], "deadbeef");
  EXPECT_FALSE(json["members"][1].contains("crc32"));
  ASSERT_EQ(json["skipped"].size(), 2u);
  EXPECT_EQ(json["skipped"][1]["reason"], "line\nbreak");
  // The summary precedes the lists, which is what lets a reader stop early.
  EXPECT_LT(text.find("\"totals\""), text.find("\"members\""));
}

TEST_F(ManifestTest, EmptyListsAreStillValidJson) {
  Write(Summary(0, 0), 0);
  const auto json = nlohmann::json::parse(Text());
  EXPECT_TRUE(json["members"].empty());
  EXPECT_TRUE(json["skipped"].empty());
}

TEST_F(ManifestTest, SummaryAndMembersReadBack) {
  Write(Summary(5, 1), 1);
  const auto summary = ReadManifestSummary(store_, kRef);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->source_etag, "\"abc\"");
  EXPECT_EQ(summary->source_version_id, "v1");
  EXPECT_EQ(summary->source_size, 1234u);
  EXPECT_EQ(summary->destination_prefix, "u/p/result/");
  EXPECT_EQ(summary->member_count, 5u);
  EXPECT_EQ(summary->skipped_count, 1u);
  EXPECT_EQ(summary->total_bytes, 50u);
  const auto members = Members();
  ASSERT_EQ(members.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(members[i].key, Member(i).key);
    EXPECT_EQ(members[i].crc32, Member(i).crc32);
    EXPECT_EQ(members[i].content_type, "text/plain; charset=utf-8");
  }
}

TEST_F(ManifestTest, SummaryReadStopsBeforeTheMemberList) {
  Write(Summary(2, 0), 0);
  std::string text = Text();
  // Everything after the list's opening is garbage: only a reader that stops there succeeds.
  text.resize(text.find("\"members\": [") + 12);
  text += "this is not json";
  PutRaw(text);
  const auto summary = ReadManifestSummary(store_, kRef);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->member_count, 2u);
  try {
    Members();
    FAIL() << "a malformed member list was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo) << e.what();
  }
}

TEST_F(ManifestTest, AlphabeticalManifestOfEarlierVersionsStillReads) {
  // nlohmann::json sorts keys: "members" came before "source" and "totals".
  const nlohmann::json old = {
      {"format", kManifestFormat},
      {"source", {{"bucket", "bkt"}, {"key", "k.zip"}, {"etag", "e1"}, {"size", 9}}},
      {"destination", {{"bucket", "bkt"}, {"prefix", "k/"}}},
      {"members",
       {{{"name", "a"},
         {"key", "k/a"},
         {"size", 3},
         {"crc32", "0000000a"},
         {"content_type", "x"}}}},
      {"skipped", nlohmann::json::array()},
      {"totals", {{"members", 1}, {"bytes", 3}, {"skipped", 0}}}};
  PutRaw(old.dump(2));
  const auto summary = ReadManifestSummary(store_, kRef);
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->source_etag, "e1");
  EXPECT_EQ(summary->member_count, 1u);
  const auto members = Members();
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].crc32, 10u);
}

TEST_F(ManifestTest, AbsentForeignOrMalformedManifestsHaveNoSummary) {
  EXPECT_FALSE(ReadManifestSummary(store_, kRef).has_value());
  PutRaw(R"({"format": "something-else/9", "source": {"etag": "e"}, "totals": {"members": 1}})");
  EXPECT_FALSE(ReadManifestSummary(store_, kRef).has_value());
  PutRaw("{\"format\": \"unpackd-manifest/1\", \"source\": {\"etag\": ");
  EXPECT_FALSE(ReadManifestSummary(store_, kRef).has_value());
  PutRaw("");
  EXPECT_FALSE(ReadManifestSummary(store_, kRef).has_value());
}

TEST_F(ManifestTest, CountsThatDisagreeWithTheListsWriteNothing) {
  Write(Summary(1, 0), 0);
  const std::string before = Text();
  try {
    ManifestWriter writer(store_, kRef, Summary(2, 0));
    writer.AddMember(Member(0));
    writer.Commit();
    FAIL() << "a manifest listing fewer members than it counts was committed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal) << e.what();
  }
  EXPECT_EQ(Text(), before);
}

TEST_F(ManifestTest, ALargeManifestStreamsThroughManyAppends) {
  Write(Summary(20000, 0), 0);
  size_t seen = 0;
  ForEachManifestMember(store_, kRef, [&](const ManifestMember& m) {
    EXPECT_EQ(m.key, Member(static_cast<int>(seen)).key);
    return ++seen < 15000;  // stopping early is honoured
  });
  EXPECT_EQ(seen, 15000u);
  EXPECT_EQ(ReadManifestSummary(store_, kRef)->member_count, 20000u);
}

}  // namespace
}  // namespace unpackd
