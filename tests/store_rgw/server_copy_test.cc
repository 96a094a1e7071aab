// Server-side copy of stored members (issue 12) against Ceph radosgw, which implements
// UploadPartCopy: a big stored ZIP member becomes its object without its bytes passing
// through the worker, with the streaming path's metadata and content type; a wrong CRC-32 is
// caught by reading the copy back; --copy-check=trust says so in the manifest.
#include <gtest/gtest.h>

#include <atomic>

#include "extract/manifest_reader.h"
#include "store/object_exists.h"
#include "store/s3/s3_store.h"
#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/forwarding_store.h"
#include "support/job_runner.h"
#include "support/radosgw_cluster.h"
#include "support/temp_dir.h"
#include "util/error.h"

namespace unpackd {
namespace {

// Counts the bytes read from objects it opens, and forwards everything else to `inner`.
class ReadCountingStore : public testing::ForwardingStore {
 public:
  explicit ReadCountingStore(ObjectStore& inner) : ForwardingStore(inner) {}

  uint64_t bytes_read() const { return bytes_read_.load(); }

  std::unique_ptr<RandomAccessObject> OpenForRead(const ObjectRef& ref) override {
    return std::make_unique<CountingObject>(inner().OpenForRead(ref), bytes_read_);
  }

 private:
  class CountingObject : public RandomAccessObject {
   public:
    CountingObject(std::unique_ptr<RandomAccessObject> inner, std::atomic<uint64_t>& count)
        : inner_(std::move(inner)), count_(count) {}
    const ObjectInfo& info() const override { return inner_->info(); }
    size_t ReadAt(uint64_t offset, std::span<std::byte> dst) override {
      const size_t n = inner_->ReadAt(offset, dst);
      count_ += n;
      return n;
    }

   private:
    std::unique_ptr<RandomAccessObject> inner_;
    std::atomic<uint64_t>& count_;
  };

  std::atomic<uint64_t> bytes_read_{0};
};

class ServerCopyTest : public ::testing::Test {
 protected:
  ServerCopyTest()
      : cluster_(testing::RadosgwCluster::Get()),
        bucket_(cluster_.UniqueBucket("server-copy")),
        store_(testing::TestS3Config(cluster_.endpoint, cluster_.access_key, cluster_.secret_key),
               executor_, budget_) {}

  void Upload(const std::string& key, const std::filesystem::path& file) {
    cluster_.Boto3(bucket_, key, "upload " + testing::ShellQuote(file.string()));
  }

  // Extracts in/stored.zip into `bucket` through a counting view of the store.
  ExtractResult RunInto(ReadCountingStore& counting, ServerCopyOptions copy,
                        const std::string& bucket) {
    testing::JobOptions options;
    options.server_copy = copy;
    options.destination_bucket = bucket;
    return testing::RunJob(counting, {bucket_, "in/stored.zip"}, counting, options);
  }

  // Members of the manifest `manifest`, by name.
  std::map<std::string, ManifestMember> Manifest(const ObjectRef& manifest) {
    std::map<std::string, ManifestMember> members;
    ForEachManifestMember(store_, manifest, [&](const ManifestMember& m) {
      members[m.name] = m;
      return true;
    });
    return members;
  }

  testing::TempDir dir_;
  testing::RadosgwCluster cluster_;
  std::string bucket_;
  Executor executor_{ExecutorShape{4, 8}};
  MemoryBudget budget_{64 << 20};
  s3::S3Store store_;
};

const testing::MemberMap& Members() {
  static const testing::MemberMap members = {
      {"big.bin", testing::RandomBytes((12 << 20) + 12345, 7)},
      {"notes.txt", "small text\n"},
      {"data.json", "{\"k\": 1}"}};
  return members;
}

TEST_F(ServerCopyTest, ABigStoredMemberIsCopiedOnTheServerNotThroughTheWorker) {
  const auto zip = dir_.path() / "stored.zip";
  testing::MakeZipWithPython(zip, Members(), "ZIP_STORED");
  Upload("in/stored.zip", zip);

  ReadCountingStore counting(store_);
  testing::JobOptions options;
  const ExtractResult result =
      testing::RunJob(counting, {bucket_, "in/stored.zip"}, counting, options);
  EXPECT_EQ(result.members_written, 3u);
  EXPECT_EQ(result.members_server_copied, 1u);
  EXPECT_EQ(result.bytes_server_copied, Members().at("big.bin").size());
  EXPECT_EQ(result.members_crc_unchecked, 0u);
  // The directory, the local headers and the small members; the read-back of the copy goes
  // through the destination's own reader (counted too), so the archive's share is what is left.
  const uint64_t archive_and_readback = counting.bytes_read();
  EXPECT_LT(archive_and_readback, Members().at("big.bin").size() + (1u << 20));
  for (const auto& [name, content] : Members()) {
    EXPECT_EQ(testing::ReadWholeObject(store_, {bucket_, "in/stored/" + name}), content) << name;
  }
  const auto manifest = Manifest(result.job.manifest);
  ASSERT_EQ(manifest.size(), 3u);
  EXPECT_TRUE(manifest.at("big.bin").server_copied);
  EXPECT_TRUE(manifest.at("big.bin").crc_checked);
  EXPECT_FALSE(manifest.at("notes.txt").server_copied);

  // The same archive streamed (server copy off) into another bucket: the same object there.
  const std::string streamed_bucket = cluster_.UniqueBucket("server-copy-streamed");
  ReadCountingStore streaming(store_);
  const ExtractResult streamed =
      RunInto(streaming, {.mode = ServerCopyMode::kOff}, streamed_bucket);
  EXPECT_EQ(streamed.members_server_copied, 0u);
  EXPECT_GT(streaming.bytes_read(), Members().at("big.bin").size());
  const ObjectInfo copied = store_.Stat({bucket_, "in/stored/big.bin"});
  const ObjectInfo written = store_.Stat({streamed_bucket, "in/stored/big.bin"});
  EXPECT_EQ(copied.size, written.size);
  EXPECT_EQ(copied.content_type, written.content_type);
  EXPECT_EQ(copied.metadata, written.metadata);

  // Trust mode copies without reading anything back: the archive's headers and the small
  // members only; the manifest says the CRC was not checked.
  const std::string trusted_bucket = cluster_.UniqueBucket("server-copy-trusted");
  ReadCountingStore trusting(store_);
  const ExtractResult trusted = RunInto(trusting, {.check = CopyCheck::kTrust}, trusted_bucket);
  EXPECT_EQ(trusted.members_server_copied, 1u);
  EXPECT_EQ(trusted.members_crc_unchecked, 1u);
  EXPECT_LT(trusting.bytes_read(), uint64_t{1} << 20);
  EXPECT_EQ(trusted.manifest.crc_unchecked_count, 1u);
  const auto trusted_manifest = Manifest(trusted.job.manifest);
  EXPECT_TRUE(trusted_manifest.at("big.bin").server_copied);
  EXPECT_FALSE(trusted_manifest.at("big.bin").crc_checked);
}

TEST_F(ServerCopyTest, AWrongCrcIsCaughtByTheReadBackAndTheMemberRefused) {
  const auto zip = dir_.path() / "badcrc.zip";
  // zipfile writes the right CRC in the local header and the directory; both are then
  // changed, so only the content's own CRC can disagree.
  testing::RunPythonZip(zip, Members(), R"(
import struct, zipfile, zlib
with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
    for name, data in members.items():
        z.writestr(name, data)
crc = zlib.crc32(members["big.bin"])
raw = open(out, "rb").read()
assert raw.count(struct.pack("<I", crc)) == 2
raw = raw.replace(struct.pack("<I", crc), struct.pack("<I", crc ^ 1))
open(out, "wb").write(raw)
)");
  Upload("in/badcrc.zip", zip);
  try {
    testing::RunJob(store_, {bucket_, "in/badcrc.zip"}, store_);
    FAIL() << "a wrong CRC-32 was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kArchiveRefused) << e.what();
    EXPECT_NE(std::string(e.what()).find("CRC-32 of the bytes copied on the server"),
              std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(ObjectExists(store_, {bucket_, "in/badcrc/big.bin"}));
  EXPECT_FALSE(ObjectExists(store_, {bucket_, "in/badcrc/.unpackd/manifest.json"}));
}

}  // namespace
}  // namespace unpackd
