// The ExtractJob API as a service uses it: progress events, cancellation at member boundaries
// and resumption, pinned archive versions, stable job ids, inspection. Runs on the in-memory
// store, so every case is about the job, not a filesystem or a server.
#include "extract/extract_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "extract/inspection.h"
#include "store/memory/memory_store.h"
#include "support/archive_maker.h"
#include "support/file_object.h"
#include "support/job_runner.h"
#include "support/temp_dir.h"
#include "util/error.h"
#include "util/mutex.h"

namespace unpackd {
namespace {

using testing::MemberMap;
using Kind = ProgressEvent::Kind;
using Outcome = ProgressEvent::Outcome;

constexpr char kArchiveKey[] = "user-1/project-1/result.zip";
constexpr char kManifestKey[] = "user-1/project-1/result/.unpackd/manifest.json";

MemberMap TwelveMembers() {
  MemberMap members;
  for (int i = 0; i < 12; ++i) {
    members["dir/file-" + std::to_string(i) + ".txt"] =
        testing::TextBytes(static_cast<size_t>(1000 + 997 * i), static_cast<uint32_t>(i));
  }
  return members;
}

// Collects every event; thread-safe, as sinks must be.
class RecordingSink {
 public:
  void Record(const ProgressEvent& e) {
    MutexLock lock(mu_);
    events_.push_back(e);
  }
  std::vector<ProgressEvent> events() {
    MutexLock lock(mu_);
    return events_;
  }

 private:
  Mutex mu_;
  std::vector<ProgressEvent> events_ GUARDED_BY(mu_);
};

class ExtractJobTest : public ::testing::Test {
 protected:
  void PutArchive(const MemberMap& members) {
    const auto path = dir_.path() / "result.zip";
    testing::MakeZipWithPython(path, members);
    const auto bytes = testing::ReadFileBytes(path);
    auto writer = store_.NewWriter({"bkt", kArchiveKey}, {});
    writer->Append(bytes);
    etag_ = writer->Commit().etag;
  }

  bool Exists(const std::string& key) {
    try {
      store_.Stat({"bkt", key});
      return true;
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kNotFound) throw;
      return false;
    }
  }

  size_t CountObjects(const std::string& prefix) {
    size_t n = 0;
    store_.List("bkt", prefix, [&](const ListEntry&) {
      ++n;
      return true;
    });
    return n;
  }

  ExtractResult Run(testing::JobOptions options = {}) {
    return testing::RunJob(store_, {"bkt", kArchiveKey}, store_, options);
  }

  testing::TempDir dir_;
  MemoryStore store_;
  std::string etag_;
};

TEST_F(ExtractJobTest, ProgressEventsTellTheWholeStory) {
  const MemberMap members = TwelveMembers();
  PutArchive(members);
  RecordingSink sink;
  testing::JobOptions options;
  options.on_progress = [&](const ProgressEvent& e) { sink.Record(e); };
  const ExtractResult result = Run(options);

  const auto events = sink.events();
  ASSERT_GE(events.size(), 2 + 2 * members.size());
  EXPECT_EQ(events.front().kind, Kind::kJobStarted);
  EXPECT_EQ(events.front().members_total, members.size());
  EXPECT_EQ(events.back().kind, Kind::kJobFinished);
  EXPECT_EQ(events.back().outcome, Outcome::kWritten);
  std::map<std::string, int> started, finished;
  uint64_t bytes = 0;
  for (const auto& e : events) {
    if (e.kind == Kind::kMemberStarted) ++started[e.name];
    if (e.kind == Kind::kMemberFinished) {
      EXPECT_EQ(e.outcome, Outcome::kWritten) << e.name;
      ++finished[e.name];
    }
    if (e.kind == Kind::kBytes) bytes += e.bytes;
  }
  EXPECT_EQ(started.size(), members.size());
  EXPECT_EQ(finished.size(), members.size());
  EXPECT_EQ(bytes, events.front().bytes_total);
  EXPECT_EQ(bytes, result.manifest.total_bytes);
  EXPECT_EQ(result.members_written, members.size());
}

// Cancelled after three members: those stay, nothing else starts, no manifest vouches for a
// partial result; a rerun keeps the three and writes the rest.
TEST_F(ExtractJobTest, CancellationStopsAtAMemberBoundaryAndARerunResumes) {
  const MemberMap members = TwelveMembers();
  PutArchive(members);
  CancellationToken cancel;
  std::atomic<int> finished{0};
  testing::JobOptions options;
  options.jobs = 1;
  options.cancel = &cancel;
  options.on_progress = [&](const ProgressEvent& e) {
    if (e.kind == Kind::kMemberFinished && ++finished == 3) cancel.Cancel();
  };
  try {
    Run(options);
    FAIL() << "a cancelled job reported success";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCancelled) << e.what();
    EXPECT_EQ(e.code(), "cancelled");
    EXPECT_NE(std::string(e.what()).find("bkt/user-1/project-1/result.zip"), std::string::npos);
  }
  EXPECT_EQ(finished.load(), 3);
  EXPECT_FALSE(Exists(kManifestKey));
  EXPECT_EQ(CountObjects("user-1/project-1/result/"), 3u);

  const ExtractResult rerun = Run();
  EXPECT_EQ(rerun.members_reused, 3u);
  EXPECT_EQ(rerun.members_written, members.size() - 3);
  EXPECT_TRUE(Exists(kManifestKey));
}

TEST_F(ExtractJobTest, AFailedWriteLeavesNoManifestAndARerunFinishes) {
  PutArchive(TwelveMembers());
  store_.FailCommitsAfter(5);
  testing::JobOptions options;
  options.jobs = 1;
  try {
    Run(options);
    FAIL() << "the job survived a failing store";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kTransient) << e.what();
  }
  EXPECT_FALSE(Exists(kManifestKey));
  store_.ClearFaults();
  const ExtractResult rerun = Run(options);
  EXPECT_EQ(rerun.members_reused, 5u);
  EXPECT_EQ(rerun.members_written, 7u);
  EXPECT_TRUE(Exists(kManifestKey));
}

// v1 extracted, then v2 fails midway: v1's manifest must not stay over a mix of v1 and v2
// objects; once v2 completes, its own manifest is there.
TEST_F(ExtractJobTest, AStaleManifestGoesBeforeTheFirstObjectOfANewVersion) {
  PutArchive(TwelveMembers());
  Run();
  ASSERT_TRUE(Exists(kManifestKey));
  MemberMap changed = TwelveMembers();
  for (auto& [name, data] : changed) data += " (v2)";
  PutArchive(changed);
  store_.FailCommitsAfter(2);
  testing::JobOptions options;
  options.jobs = 1;
  EXPECT_THROW(Run(options), Error);
  EXPECT_FALSE(Exists(kManifestKey));
  store_.ClearFaults();
  const ExtractResult v2 = Run(options);
  EXPECT_EQ(v2.manifest.source_etag, etag_);
  EXPECT_EQ(v2.members_reused, 2u);  // the two v2 members the failed run wrote
  EXPECT_TRUE(Exists(kManifestKey));
}

// A refusal happens before any write, so the complete v1 result and its manifest stay.
TEST_F(ExtractJobTest, ARefusedNewVersionLeavesTheOldResultVouchedFor) {
  PutArchive({{"a.txt", "v1"}});
  Run();
  PutArchive({{"a.txt", "v2"}, {"../escape.txt", "bad"}});
  EXPECT_THROW(Run(), Error);
  ASSERT_TRUE(Exists(kManifestKey));
  auto object = store_.OpenForRead({"bkt", "user-1/project-1/result/a.txt"});
  std::string text(object->size(), '\0');
  object->ReadAt(0, std::as_writable_bytes(std::span(text)));
  EXPECT_EQ(text, "v1");
}

TEST_F(ExtractJobTest, APinnedVersionRefusesAReplacedArchive) {
  PutArchive({{"a.txt", "first"}});
  const std::string first = etag_;
  PutArchive({{"a.txt", "second"}});
  testing::JobOptions options;
  options.pinned_etag = first;
  try {
    Run(options);
    FAIL() << "the job ran on a version it was not given";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kPrecondition);
    EXPECT_EQ(e.code(), "archive-changed");
  }
  EXPECT_FALSE(Exists("user-1/project-1/result/a.txt"));
  options.pinned_etag = etag_;
  EXPECT_EQ(Run(options).job.etag, etag_);
}

// Replaced while its members stream: the reads pinned to the first version fail, and the
// error says what happened in words, with both versions.
TEST_F(ExtractJobTest, AnArchiveReplacedDuringTheRunIsNamedAsSuch) {
  MemberMap big;
  for (int i = 0; i < 6; ++i) {
    big["m" + std::to_string(i) + ".bin"] = testing::RandomBytes(3 << 20, static_cast<uint32_t>(i));
  }
  PutArchive(big);
  const std::string first = etag_;
  const auto v2_path = dir_.path() / "v2.zip";
  testing::MakeZipWithPython(v2_path, {{"a.txt", "v2"}});
  const auto v2 = testing::ReadFileBytes(v2_path);
  std::atomic<bool> replaced{false};
  testing::JobOptions options;
  options.jobs = 1;
  options.memory_bytes = uint64_t{16} << 20;  // read windows far smaller than the archive
  options.on_progress = [&](const ProgressEvent& e) {
    if (e.kind == Kind::kMemberFinished && !replaced.exchange(true)) {
      auto writer = store_.NewWriter({"bkt", kArchiveKey}, {});
      writer->Append(v2);
      writer->Commit();
    }
  };
  try {
    Run(options);
    FAIL() << "a job finished over an archive replaced under it";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kPrecondition) << e.what();
    EXPECT_EQ(e.code(), "archive-changed");
    const std::string message = e.what();
    EXPECT_NE(message.find("archive changed during extraction (ETag " + first + " -> "),
              std::string::npos)
        << message;
  }
  EXPECT_FALSE(Exists(kManifestKey));
}

// v2 drops a member and adds one: after v2's manifest, v1's leftover is deleted, and nothing
// unpackd did not write from this archive is touched. --no-prune keeps it.
TEST_F(ExtractJobTest, ObjectsAnOlderVersionLeftArePrunedAndNothingElse) {
  const std::string dest = "user-1/project-1/result/";
  PutArchive({{"keep.txt", "v1"}, {"gone.txt", "v1"}});
  Run();
  // Someone else's object, and one unpackd wrote from another archive, in the same prefix.
  {
    auto writer = store_.NewWriter({"bkt", dest + "notes.txt"}, {});
    const std::string mine = "mine";
    writer->Append(std::as_bytes(std::span(mine)));
    writer->Commit();
  }
  {
    const auto other = dir_.path() / "other.zip";
    testing::MakeZipWithPython(other, {{"other.txt", "x"}});
    auto writer = store_.NewWriter({"bkt", "user-1/other.zip"}, {});
    writer->Append(testing::ReadFileBytes(other));
    writer->Commit();
    testing::JobOptions into_same_prefix;
    into_same_prefix.destination_template = dest + "from-other/{path}";
    testing::RunJob(store_, {"bkt", "user-1/other.zip"}, store_, into_same_prefix);
  }
  PutArchive({{"keep.txt", "v2"}, {"new.txt", "v2"}});
  testing::JobOptions no_prune;
  no_prune.prune = false;
  EXPECT_EQ(Run(no_prune).objects_pruned, 0u);
  EXPECT_TRUE(Exists(dest + "gone.txt"));

  PutArchive({{"keep.txt", "v3"}, {"new.txt", "v3"}});
  const ExtractResult v3 = Run();
  EXPECT_EQ(v3.objects_pruned, 1u);
  EXPECT_FALSE(Exists(dest + "gone.txt"));
  EXPECT_TRUE(Exists(dest + "keep.txt"));
  EXPECT_TRUE(Exists(dest + "new.txt"));
  EXPECT_TRUE(Exists(dest + "notes.txt"));
  EXPECT_TRUE(Exists(dest + "from-other/other.txt"));
  EXPECT_TRUE(Exists(kManifestKey));
}

TEST_F(ExtractJobTest, TheJobIdNamesOneArchiveVersionAndDestination) {
  PutArchive({{"a.txt", "first"}});
  const ExtractResult first = Run();
  const ExtractResult again = Run();
  EXPECT_TRUE(again.already_complete);
  EXPECT_EQ(first.job.id, again.job.id);
  EXPECT_EQ(first.job.id.size(), 16u);
  EXPECT_EQ(first.job.manifest.key, kManifestKey);

  PutArchive({{"a.txt", "second"}});
  const ExtractResult replaced = Run();
  EXPECT_NE(replaced.job.id, first.job.id);
  testing::JobOptions elsewhere;
  elsewhere.destination_template = "other/{path}";
  EXPECT_NE(Run(elsewhere).job.id, replaced.job.id);
}

TEST_F(ExtractJobTest, InspectionPlansWithoutWriting) {
  PutArchive({{"ok.txt", "fine"}, {"../escape.txt", "bad"}});
  const ExtractJob job = testing::MakeTestJob({"bkt", kArchiveKey}, {});
  const Inspection inspection = InspectJob(job, store_);
  EXPECT_EQ(inspection.source.etag, etag_);
  EXPECT_EQ(inspection.archive->info().format, "zip");
  EXPECT_EQ(inspection.archive->entries().size(), 2u);
  EXPECT_TRUE(inspection.Refused());
  EXPECT_EQ(CountObjects("user-1/project-1/result/"), 0u);
}

}  // namespace
}  // namespace unpackd
