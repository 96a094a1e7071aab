// The whole job over the local store: real archives in, objects and a manifest out.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "extract/manifest_reader.h"
#include "extract/manifest_writer.h"
#include "extract/member_metadata.h"
#include "store/local/local_store.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/forwarding_store.h"
#include "support/job_runner.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

using testing::MemberMap;

class ExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateBucket(dir_.path(), "bkt");
    store_ = MakeLocalStore(dir_.path());
  }

  std::filesystem::path ArchivePath(const std::string& key) { return dir_.path() / "bkt" / key; }

  // Makes `key` in bucket "bkt" with Python's zipfile.
  void PutArchive(const std::string& key, const MemberMap& members,
                  const std::string& compression = "ZIP_DEFLATED") {
    std::filesystem::create_directories(ArchivePath(key).parent_path());
    testing::MakeZipWithPython(ArchivePath(key), members, compression);
  }

  std::string ReadObject(const std::string& key) {
    auto object = store_->OpenForRead({"bkt", key});
    std::string out(object->info().size, '\0');
    object->ReadAt(0, std::as_writable_bytes(std::span(out)));
    return out;
  }

  std::vector<std::string> Keys(const std::string& prefix = "") {
    std::vector<std::string> keys;
    store_->List("bkt", prefix, [&](const ListEntry& e) {
      keys.push_back(e.key);
      return true;
    });
    return keys;
  }

  ExtractResult Run(const std::string& key, testing::JobOptions options = {}) {
    return testing::RunJob(*store_, {"bkt", key}, *store_, options);
  }

  testing::TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

MemberMap ResultMembers() {
  return {{"summary.txt", "요약: 모든 항목 처리 완료\n"},
          {"result.json", R"({"items": [1, 2, 3], "이름": "값"})"},
          {"images/plot.png", "\x89PNG\r\n\x1a\n" + testing::RandomBytes(70000, 4)},
          {"nested/deep/folder/data.csv", "a,b\n1,2\n"},
          {"결과/보고서 최종.txt", testing::TextBytes(3'000'000, 5)},
          {"with space.txt", "spaced"},
          {"empty.bin", ""}};
}

TEST_F(ExtractorTest, ExtractsEveryMemberWithTypesMetadataAndManifest) {
  PutArchive("user-1/project-1/result.zip", ResultMembers());
  const auto result = Run("user-1/project-1/result.zip");
  EXPECT_FALSE(result.already_complete);
  EXPECT_EQ(result.members_written, ResultMembers().size());
  for (const auto& [name, content] : ResultMembers()) {
    const std::string key = "user-1/project-1/result/" + name;
    EXPECT_TRUE(ReadObject(key) == content) << key;
  }
  const auto info = store_->Stat({"bkt", "user-1/project-1/result/summary.txt"});
  EXPECT_EQ(info.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(store_->Stat({"bkt", "user-1/project-1/result/result.json"}).content_type,
            "application/json");
  EXPECT_EQ(store_->Stat({"bkt", "user-1/project-1/result/images/plot.png"}).content_type,
            "image/png");
  const auto archive_etag = store_->Stat({"bkt", "user-1/project-1/result.zip"}).etag;
  EXPECT_EQ(info.metadata.at(kMetaSourceEtag), archive_etag);
  EXPECT_EQ(info.metadata.at(kMetaSource), "bkt/user-1/project-1/result.zip");
  EXPECT_EQ(info.metadata.at(kMetaCrc32).size(), 8u);

  const auto manifest = nlohmann::json::parse(ReadObject(result.job.manifest.key));
  EXPECT_EQ(result.job.manifest.key, "user-1/project-1/result/.unpackd/manifest.json");
  EXPECT_EQ(manifest["source"]["etag"], archive_etag);
  EXPECT_EQ(manifest["totals"]["members"], ResultMembers().size());
  EXPECT_EQ(manifest["members"].size(), ResultMembers().size());
}

TEST_F(ExtractorTest, SecondRunDoesNothingAndSaysSo) {
  PutArchive("a/result.zip", ResultMembers());
  Run("a/result.zip");
  const auto again = Run("a/result.zip");
  EXPECT_TRUE(again.already_complete);
  EXPECT_EQ(again.members_written, 0u);
}

TEST_F(ExtractorTest, RerunAfterPartialRunRedoesOnlyWhatIsMissing) {
  PutArchive("a/result.zip", ResultMembers());
  const auto first = Run("a/result.zip");
  // Simulate a crash before the manifest and before two members were written.
  store_->Delete({"bkt", first.job.manifest.key});
  store_->Delete({"bkt", "a/result/summary.txt"});
  store_->Delete({"bkt", "a/result/images/plot.png"});
  const auto second = Run("a/result.zip");
  EXPECT_EQ(second.members_written, 2u);
  EXPECT_EQ(second.members_reused, ResultMembers().size() - 2);
  EXPECT_TRUE(ReadObject("a/result/summary.txt") == ResultMembers().at("summary.txt"));
  EXPECT_NO_THROW(store_->Stat({"bkt", first.job.manifest.key}));
}

TEST_F(ExtractorTest, ReplacedArchiveIsExtractedAgain) {
  PutArchive("a/result.zip", {{"x.txt", "old"}});
  Run("a/result.zip");
  std::filesystem::remove(ArchivePath("a/result.zip"));
  PutArchive("a/result.zip", {{"x.txt", "new!"}});
  const auto second = Run("a/result.zip");
  EXPECT_FALSE(second.already_complete);
  EXPECT_EQ(second.members_written, 1u);
  EXPECT_EQ(ReadObject("a/result/x.txt"), "new!");
}

// An AI job re-run that changes a few files: the new version's members whose objects already
// hold their bytes (same size, CRC-32 and type) are kept and listed, not written again.
TEST_F(ExtractorTest, NewVersionRewritesOnlyTheMembersThatChanged) {
  MemberMap v1;
  for (int i = 0; i < 20; ++i) {
    v1["part-" + std::to_string(i) + ".txt"] = testing::TextBytes(1000 + i, i);
  }
  PutArchive("a/result.zip", v1);
  Run("a/result.zip");
  const std::string v1_etag = store_->Stat({"bkt", "a/result.zip"}).etag;

  MemberMap v2 = v1;
  std::string& same_size = v2["part-3.txt"];  // same size, other bytes: another CRC
  same_size[10] = same_size[10] == 'x' ? 'y' : 'x';
  v2["part-4.txt"] += "longer";
  v2["part-5.txt"] = "{\"a\": 1}";  // other size and type
  v2.erase("part-6.txt");
  v2["new.txt"] = "new member";
  std::filesystem::remove(ArchivePath("a/result.zip"));
  PutArchive("a/result.zip", v2);
  const std::string v2_etag = store_->Stat({"bkt", "a/result.zip"}).etag;
  ASSERT_NE(v1_etag, v2_etag);

  const auto second = Run("a/result.zip");
  EXPECT_EQ(second.members_written, 4u);
  EXPECT_EQ(second.members_reused, v2.size() - 4);
  for (const auto& [name, content] : v2) {
    EXPECT_TRUE(ReadObject("a/result/" + name) == content) << name;
  }
  EXPECT_THROW(store_->Stat({"bkt", "a/result/part-6.txt"}), Error);  // pruned
  // A kept object still names the version that wrote its bytes; a rewritten one the new one.
  EXPECT_EQ(store_->Stat({"bkt", "a/result/part-0.txt"}).metadata.at(kMetaSourceEtag), v1_etag);
  EXPECT_EQ(store_->Stat({"bkt", "a/result/part-3.txt"}).metadata.at(kMetaSourceEtag), v2_etag);
  const auto manifest = nlohmann::json::parse(ReadObject(second.job.manifest.key));
  EXPECT_EQ(manifest["source"]["etag"], v2_etag);
  EXPECT_EQ(manifest["totals"]["members"], v2.size());
  EXPECT_EQ(manifest["totals"]["reused"], v2.size() - 4);
}

// Same bytes under another Content-Type (the type map changed) is not the object this run
// would write: it is written again.
TEST_F(ExtractorTest, AKeptObjectMustHaveTheTypeThisRunWouldGiveIt) {
  PutArchive("a/result.zip", {{"data.custom", "payload"}});
  Run("a/result.zip");
  const std::filesystem::path types = dir_.path() / "mime.types";
  std::ofstream(types) << "application/x-custom custom\n";
  std::filesystem::remove(ArchivePath("a/result.zip"));
  PutArchive("a/result.zip", {{"data.custom", "payload"}, {"other.txt", "o"}});
  testing::JobOptions options;
  options.mime_types_path = types.string();
  const auto second = Run("a/result.zip", options);
  EXPECT_EQ(second.members_written, 2u);
  EXPECT_EQ(second.members_reused, 0u);
  EXPECT_EQ(store_->Stat({"bkt", "a/result/data.custom"}).content_type, "application/x-custom");
}

TEST_F(ExtractorTest, ResultDoesNotDependOnJobCountOrBatching) {
  MemberMap many;
  for (int i = 0; i < 300; ++i)
    many["f/" + std::to_string(i) + ".json"] = "{\"i\": " + std::to_string(i) + "}";
  many["big.bin"] = testing::RandomBytes(1 << 20, 8);
  PutArchive("m/result.zip", many);
  for (unsigned jobs : {1u, 4u, 16u}) {
    testing::JobOptions options;
    options.jobs = jobs;
    options.destination_template = "out-" + std::to_string(jobs) + "/{path}";
    const auto result = Run("m/result.zip", options);
    EXPECT_EQ(result.members_written, many.size());
    for (const auto& [name, content] : many) {
      ASSERT_TRUE(ReadObject("out-" + std::to_string(jobs) + "/" + name) == content) << name;
    }
  }
}

TEST_F(ExtractorTest, RefusedArchiveWritesNothing) {
  PutArchive("h/evil.zip", {{"ok.txt", "fine"}, {"../../escape.txt", "gotcha"}});
  try {
    Run("h/evil.zip");
    FAIL() << "a traversal archive was extracted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kArchiveRefused);
    EXPECT_NE(std::string(e.what()).find("../../escape.txt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("path traversal"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(Keys("h/evil/").empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "escape.txt"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "bkt" / "escape.txt"));
}

TEST_F(ExtractorTest, SkipPolicyExtractsTheRestAndReportsTheRefused) {
  PutArchive("h/mixed.zip", {{"ok.txt", "fine"}, {"/abs.txt", "no"}});
  testing::JobOptions options;
  options.on_error = OnErrorPolicy::kSkip;
  const auto result = Run("h/mixed.zip", options);
  EXPECT_EQ(Keys("h/mixed/"),
            (std::vector<std::string>{"h/mixed/.unpackd/manifest.json", "h/mixed/ok.txt"}));
  EXPECT_EQ(result.manifest.skipped_count, 1u);
  const auto manifest = nlohmann::json::parse(ReadObject(result.job.manifest.key));
  ASSERT_EQ(manifest["skipped"].size(), 1u);
  EXPECT_EQ(manifest["skipped"][0]["code"], "unsafe-path");
}

TEST_F(ExtractorTest, CrcMismatchLeavesNoBadObjectAndNoManifest) {
  PutArchive("c/result.zip", {{"good.txt", "good content"}, {"bad.txt", "the quick brown fox"}},
             "ZIP_STORED");
  {
    std::fstream f(ArchivePath("c/result.zip"), std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), {});
    const size_t at = bytes.find("quick");
    f.seekp(static_cast<std::streamoff>(at));
    f.put('Q');
  }
  try {
    Run("c/result.zip");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("CRC-32 mismatch"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.txt"), std::string::npos) << e.what();
  }
  for (const auto& key : Keys("c/result/")) {
    EXPECT_NE(key, "c/result/bad.txt");
    EXPECT_NE(key, "c/result/.unpackd/manifest.json");
  }
}

TEST_F(ExtractorTest, ReservedManifestNameIsRefused) {
  PutArchive("r/result.zip", {{".unpackd/manifest.json", "{}"}});
  EXPECT_THROW(Run("r/result.zip"), Error);
}

TEST_F(ExtractorTest, SymlinksAreSkippedAndReported) {
  const auto tree = dir_.path() / "tree";
  testing::WriteTree(tree, {{"real.txt", "real"}});
  std::filesystem::create_symlink("/etc/passwd", tree / "link");
  std::filesystem::create_directories(ArchivePath("s").parent_path() / "s");
  ASSERT_EQ(testing::RunCommand("cd " + testing::ShellQuote(tree.string()) + " && zip -qy " +
                                testing::ShellQuote(ArchivePath("s/links.zip").string()) +
                                " real.txt link"),
            0);
  const auto result = Run("s/links.zip");
  EXPECT_EQ(result.members_written, 1u);
  EXPECT_EQ(result.manifest.skipped_count, 1u);
  const auto manifest = nlohmann::json::parse(ReadObject(result.job.manifest.key));
  ASSERT_EQ(manifest["skipped"].size(), 1u);
  EXPECT_EQ(manifest["skipped"][0]["code"], "symlink");
  EXPECT_EQ(Keys("s/links/"),
            (std::vector<std::string>{"s/links/.unpackd/manifest.json", "s/links/real.txt"}));
}

// The destination store of a run, with a hook that runs just before the run starts writing its
// manifest: where another worker that raced for the same key gets in first.
class BeforeManifestStore : public testing::ForwardingStore {
 public:
  BeforeManifestStore(ObjectStore& inner, std::function<void()> before_manifest)
      : ForwardingStore(inner), before_manifest_(std::move(before_manifest)) {}

  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override {
    if (ref.key.ends_with(".unpackd/manifest.json") && before_manifest_) {
      std::exchange(before_manifest_, nullptr)();
    }
    return inner().NewWriter(ref, options);
  }

 private:
  std::function<void()> before_manifest_;
};

TEST_F(ExtractorTest, ARunThatLosesTheRaceToCommitReportsTheVersionAlreadyComplete) {
  PutArchive("race/result.zip", ResultMembers());
  ExtractResult winner;
  BeforeManifestStore racing(*store_, [&] { winner = Run("race/result.zip"); });
  const ExtractResult loser = testing::RunJob(*store_, {"bkt", "race/result.zip"}, racing, {});
  EXPECT_FALSE(winner.already_complete);
  EXPECT_TRUE(loser.already_complete);
  // The manifest is the winner's, untouched by the loser.
  EXPECT_EQ(loser.manifest.created_at, winner.manifest.created_at);
  EXPECT_EQ(ReadManifestSummary(*store_, winner.job.manifest)->created_at,
            winner.manifest.created_at);
  for (const auto& [name, content] : ResultMembers()) {
    EXPECT_EQ(ReadObject("race/result/" + name), content) << name;
  }
}

TEST_F(ExtractorTest, AnotherVersionsManifestFoundAtCommitIsReplacedWhileTheArchiveIsUnchanged) {
  PutArchive("race/result.zip", ResultMembers());
  const ObjectRef manifest{"bkt", "race/result/.unpackd/manifest.json"};
  BeforeManifestStore racing(*store_, [&] {
    // A worker that extracted an older version commits late.
    ManifestSummary stale;
    stale.source_bucket = "bkt";
    stale.source_key = "race/result.zip";
    stale.source_etag = "an-older-version";
    ManifestWriter(*store_, manifest, stale).Commit();
  });
  const ExtractResult result = testing::RunJob(*store_, {"bkt", "race/result.zip"}, racing, {});
  EXPECT_FALSE(result.already_complete);
  const std::optional<ManifestSummary> there = ReadManifestSummary(*store_, manifest);
  ASSERT_TRUE(there.has_value());
  EXPECT_EQ(there->source_etag, result.job.etag);
  EXPECT_EQ(there->member_count, ResultMembers().size());
}

}  // namespace
}  // namespace unpackd
