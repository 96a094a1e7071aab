// Multipart uploads a killed run leaves behind, on radosgw (s3rver cannot list them): a rerun
// aborts exactly the uploads unpackd's upload records prove it started (README, "Interrupted
// runs and multipart uploads"), and never one someone else started under the destination
// prefix, whether for a key unpackd writes or not.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "extract/destination.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_store.h"
#include "store_s3/s3_test_support.h"
#include "support/archive_maker.h"
#include "support/radosgw_cluster.h"
#include "support/temp_dir.h"

namespace unpackd {
namespace {

constexpr uint64_t kPart = 5 << 20;  // S3's smallest part
constexpr const char* kArchive = "u/p/result.zip";

using Listing = std::vector<std::pair<std::string, std::string>>;  // (key, upload id)

// Credentials that can be taken away mid-upload: the writer then cannot abort its upload, so
// the bucket is left exactly as a kill -9 leaves it (the upload with its parts, and its record).
class RevocableCredentials : public aws::CredentialsProvider {
 public:
  explicit RevocableCredentials(aws::AwsCredentials credentials)
      : credentials_(std::move(credentials)) {}

  std::optional<aws::AwsCredentials> Fetch() override {
    if (revoked_.load()) return std::nullopt;
    return credentials_;
  }
  void Revoke() { revoked_ = true; }

 private:
  const aws::AwsCredentials credentials_;
  std::atomic<bool> revoked_{false};
};

std::string PatternString(uint64_t seed, size_t size) {
  std::string text(size, '\0');
  testing::FillPattern(seed, 0, std::as_writable_bytes(std::span(text)));
  return text;
}

std::span<const std::byte> AsBytes(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

class OrphanUploadsTest : public ::testing::Test {
 protected:
  OrphanUploadsTest()
      : cluster_(testing::RadosgwCluster::Get()),
        bucket_(cluster_.UniqueBucket("orphans")),
        destination_{bucket_, "u/p/result/"},
        client_(Config()),
        executor_({1, 1}),
        // One part's worth: a writer starting its second part waits until the first is sent.
        budget_(kPart) {}

  s3::S3Config Config() const {
    s3::S3Config config =
        testing::TestS3Config(cluster_.endpoint, cluster_.access_key, cluster_.secret_key);
    config.part_size = kPart;
    return config;
  }

  WriteOptions RecordedWrite(uint64_t size_hint) const {
    WriteOptions options;
    options.size_hint = size_hint;
    options.upload_records_prefix = destination_.UploadRecordsPrefix();
    return options;
  }

  void PutArchive(const testing::MemberMap& members) {
    const auto zip = dir_.path() / "result.zip";
    testing::MakeZipWithPython(zip, members);
    cluster_.Boto3(bucket_, kArchive, "upload " + testing::ShellQuote(zip.string()));
  }

  // What a run killed while writing `key` leaves: a multipart upload holding one 5 MiB part,
  // and the upload record unpackd's writer made before sending it. Returns the upload id.
  std::string InterruptedUpload(const std::string& key) {
    s3::S3Config config = Config();
    auto credentials = std::make_shared<RevocableCredentials>(*config.credentials->Fetch());
    config.credentials = credentials;
    s3::S3Store store(config, executor_, budget_);
    auto writer = store.NewWriter({bucket_, key}, RecordedWrite(3 * kPart));
    // The byte past the first part waits for the budget, i.e. until part 1 is uploaded.
    writer->Append(AsBytes(PatternString(1, kPart + 1)));
    credentials->Revoke();
    writer.reset();  // its AbortMultipartUpload is refused: nothing is cleaned up
    const Listing uploads = Uploads();
    if (uploads.size() != 1 || uploads[0].first != key) {
      throw std::runtime_error("the interrupted upload of " + key + " is not listed");
    }
    return uploads[0].second;
  }

  // Incomplete uploads under the destination prefix, by key.
  Listing Uploads() {
    Listing listing;
    for (const auto& upload : client_.ListMultipartUploads(bucket_, destination_.prefix)) {
      listing.emplace_back(upload.key, upload.upload_id);
    }
    std::sort(listing.begin(), listing.end());
    return listing;
  }

  size_t Records() {
    return client_.ListObjectsV2(bucket_, destination_.UploadRecordsPrefix(), "", 1000)
        .entries.size();
  }

  std::string Extract() {
    std::string output;
    EXPECT_EQ(cluster_.Extract(dir_.path(), bucket_, kArchive, cluster_.secret_key, output), 0)
        << output;
    return output;
  }

  void ExpectObject(const std::string& key, const std::string& content) {
    s3::S3Store store(Config(), executor_, budget_);
    const auto object = store.OpenForRead({bucket_, key});
    ASSERT_EQ(object->size(), content.size()) << key;
    std::string read(content.size(), '\0');
    ASSERT_EQ(object->ReadAt(0, std::as_writable_bytes(std::span(read))), content.size());
    EXPECT_TRUE(read == content) << key << ": other bytes";
  }

  testing::TempDir dir_;
  testing::RadosgwCluster cluster_;
  std::string bucket_;
  Destination destination_;
  s3::S3Client client_;
  Executor executor_;
  MemoryBudget budget_;
};

TEST_F(OrphanUploadsTest, TheWriterKeepsARecordOnlyWhileItsUploadIsIncomplete) {
  s3::S3Store store(Config(), executor_, budget_);
  const std::string data = PatternString(3, 2 * kPart + 1);
  auto writer = store.NewWriter({bucket_, "u/p/result/done.bin"}, RecordedWrite(data.size()));
  writer->Append(AsBytes(data));
  EXPECT_EQ(Records(), 1u);
  writer->Commit();
  EXPECT_EQ(Records(), 0u);
  EXPECT_TRUE(Uploads().empty());
  ExpectObject("u/p/result/done.bin", data);

  auto dropped = store.NewWriter({bucket_, "u/p/result/dropped.bin"}, RecordedWrite(data.size()));
  dropped->Append(AsBytes(data).first(kPart + 1));
  EXPECT_EQ(Records(), 1u);
  dropped->Abort();
  EXPECT_EQ(Records(), 0u);
  EXPECT_TRUE(Uploads().empty());
}

TEST_F(OrphanUploadsTest, ARerunAbortsTheUploadAKilledRunLeftAndWritesTheMember) {
  const std::string big = PatternString(2, kPart + kPart / 2);
  PutArchive({{"big.bin", big}, {"a.txt", "alpha"}});
  const std::string orphan = InterruptedUpload("u/p/result/big.bin");
  ASSERT_EQ(Uploads(), (Listing{{"u/p/result/big.bin", orphan}}));
  ASSERT_EQ(Records(), 1u);

  Extract();
  EXPECT_EQ(Uploads(), Listing{});
  EXPECT_EQ(Records(), 0u);
  ExpectObject("u/p/result/big.bin", big);
  ExpectObject("u/p/result/a.txt", "alpha");
}

TEST_F(OrphanUploadsTest, UploadsUnpackdDidNotStartAreLeftUntouched) {
  const std::string big = PatternString(4, kPart + 7);
  PutArchive({{"big.bin", big}, {"a.txt", "alpha"}});
  InterruptedUpload("u/p/result/big.bin");
  // Someone else's, under the destination prefix: for a key the archive does not have, and for
  // one of its members (with a part already sent).
  const std::string notes =
      client_.CreateMultipartUpload(bucket_, "u/p/result/notes/draft.bin", {});
  const std::string member = client_.CreateMultipartUpload(bucket_, "u/p/result/a.txt", {});
  client_.UploadPart(bucket_, "u/p/result/a.txt", member, 1, AsBytes(PatternString(5, kPart)));

  Extract();
  EXPECT_EQ(Uploads(),
            (Listing{{"u/p/result/a.txt", member}, {"u/p/result/notes/draft.bin", notes}}));
  EXPECT_EQ(Records(), 0u);
  ExpectObject("u/p/result/big.bin", big);
  ExpectObject("u/p/result/a.txt", "alpha");
  client_.AbortMultipartUpload(bucket_, "u/p/result/a.txt", member);
  client_.AbortMultipartUpload(bucket_, "u/p/result/notes/draft.bin", notes);
}

}  // namespace
}  // namespace unpackd
