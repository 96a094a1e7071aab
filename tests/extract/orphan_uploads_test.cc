// AbortRecordedUploads on the in-memory store: which upload records it acts on, and what it
// leaves when an abort fails. The uploads themselves are exercised on radosgw
// (tests/store_rgw/orphan_uploads_test.cc).
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "extract/job_cleanup.h"
#include "store/memory/memory_store.h"
#include "store/upload_record.h"
#include "util/error.h"

namespace unpackd {
namespace {

using Abort = std::pair<std::string, std::string>;  // (key, upload id)

// Remembers every AbortUpload; refuses the ones whose upload id is "refused".
class RecordingStore : public MemoryStore {
 public:
  void AbortUpload(const ObjectRef& ref, const std::string& upload_id) override {
    if (upload_id == "refused") throw Error(ErrorKind::kAccessDenied, "abort refused");
    aborted.emplace(ref.key, upload_id);
  }
  std::set<Abort> aborted;
};

class AbortRecordedUploadsTest : public ::testing::Test {
 protected:
  void Put(const std::string& key, const std::string& body) {
    auto writer = store_.NewWriter({"b", key}, {});
    writer->Append(std::as_bytes(std::span(body)));
    writer->Commit();
  }
  std::string PutRecord(const UploadRecord& record) {
    const std::string key = UploadRecordKey(destination_.UploadRecordsPrefix(), record);
    Put(key, UploadRecordBody(record));
    return key;
  }
  bool Exists(const std::string& key) {
    bool found = false;
    store_.List("b", key, [&](const ListEntry& e) {
      found = e.key == key;
      return !found;
    });
    return found;
  }

  RecordingStore store_;
  const Destination destination_{"b", "u/p/result/"};
};

TEST_F(AbortRecordedUploadsTest, AbortsExactlyTheRecordedUploadsOfTheDestination) {
  const std::string ours = PutRecord({"u/p/result/big.bin", "id-1"});
  const std::string ours_too = PutRecord({"u/p/result/dir/other.bin", "id-2"});
  const std::string manifest = PutRecord({"u/p/result/.unpackd/manifest.json", "id-3"});
  // Left as found: a record naming a key outside the destination, one naming a key among the
  // records themselves, and an object that is no record at all.
  const std::string elsewhere = PutRecord({"u/p/other/big.bin", "id-4"});
  const std::string reserved = PutRecord({destination_.UploadRecordsPrefix() + "x", "id-5"});
  const std::string junk = destination_.UploadRecordsPrefix() + "junk";
  Put(junk, "not a record");

  const CleanupReport report = AbortRecordedUploads(store_, destination_);
  EXPECT_EQ(report.deleted, 3u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(store_.aborted, (std::set<Abort>{{"u/p/result/.unpackd/manifest.json", "id-3"},
                                             {"u/p/result/big.bin", "id-1"},
                                             {"u/p/result/dir/other.bin", "id-2"}}));
  EXPECT_FALSE(Exists(ours));
  EXPECT_FALSE(Exists(ours_too));
  EXPECT_FALSE(Exists(manifest));
  EXPECT_TRUE(Exists(elsewhere));
  EXPECT_TRUE(Exists(reserved));
  EXPECT_TRUE(Exists(junk));
}

TEST_F(AbortRecordedUploadsTest, ARefusedAbortKeepsItsRecordForTheNextRun) {
  const std::string refused = PutRecord({"u/p/result/a.bin", "refused"});
  const std::string done = PutRecord({"u/p/result/b.bin", "id-1"});

  const CleanupReport report = AbortRecordedUploads(store_, destination_);
  EXPECT_EQ(report.deleted, 1u);
  EXPECT_EQ(report.failed, 1u);
  EXPECT_NE(report.first_failure.find("abort refused"), std::string::npos) << report.first_failure;
  EXPECT_NE(report.first_failure.find(refused), std::string::npos) << report.first_failure;
  EXPECT_TRUE(Exists(refused));
  EXPECT_FALSE(Exists(done));
}

TEST(UploadRecordTest, RoundTripsAnyKeyAndRefusesOtherBodies) {
  const UploadRecord record{"a/key with\nnewline", "2~abc"};
  const auto parsed = ParseUploadRecord(UploadRecordBody(record));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->key, record.key);
  EXPECT_EQ(parsed->upload_id, record.upload_id);
  EXPECT_FALSE(ParseUploadRecord(""));
  EXPECT_FALSE(ParseUploadRecord("unpackd-upload-record-v1\nid-only"));
  EXPECT_FALSE(ParseUploadRecord("unpackd-upload-record-v1\n\nkey"));
  // One record per (key, upload id): a newer upload of the key never overwrites an old record.
  EXPECT_NE(UploadRecordKey("p/", record), UploadRecordKey("p/", {record.key, "2~abd"}));
  EXPECT_TRUE(UploadRecordKey("p/", record).starts_with("p/"));
}

}  // namespace
}  // namespace unpackd
