// The failure claim (notify/notified_marker.h) decides which of the runs that fail one archive
// version tells. A claim write whose end is unknown must still decide right: a write that was
// stored but whose reply was lost is this run's win; a conflict answer (how some servers meet
// two racing conditional writes, instead of 412) while another run's claim is there is a loss.
#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "notify/notified_marker.h"
#include "store/memory/memory_store.h"
#include "support/forwarding_store.h"
#include "util/error.h"

namespace unpackd {
namespace {

const ObjectRef kManifest{"bkt", "u/p/result/.unpackd/manifest.json"};

// Writes through `inner`, but each commit runs `commit` (which may commit, or not, and throw)
// instead of the inner writer's plain commit.
class CommitHookStore final : public testing::ForwardingStore {
 public:
  using CommitHook = std::function<ObjectInfo(ObjectWriter& inner)>;
  CommitHookStore(ObjectStore& inner, CommitHook commit)
      : ForwardingStore(inner), commit_(std::move(commit)) {}

  std::unique_ptr<ObjectWriter> NewWriter(const ObjectRef& ref,
                                          const WriteOptions& options) override {
    return std::make_unique<Writer>(inner().NewWriter(ref, options), commit_);
  }

 private:
  class Writer final : public ObjectWriter {
   public:
    Writer(std::unique_ptr<ObjectWriter> inner, CommitHook commit)
        : inner_(std::move(inner)), commit_(std::move(commit)) {}
    void Append(std::span<const std::byte> data) override { inner_->Append(data); }
    ObjectInfo Commit() override { return commit_(*inner_); }
    void Abort() noexcept override { inner_->Abort(); }

   private:
    std::unique_ptr<ObjectWriter> inner_;
    CommitHook commit_;
  };

  CommitHook commit_;
};

TEST(FailureClaimTest, OneOfTheRunsWins) {
  MemoryStore store;
  EXPECT_TRUE(notify::ClaimFailureNotice(store, kManifest, "abc", "refused"));
  EXPECT_FALSE(notify::ClaimFailureNotice(store, kManifest, "abc", "refused"));
  // Another version of the archive has a claim of its own.
  EXPECT_TRUE(notify::ClaimFailureNotice(store, kManifest, "def", "refused"));
}

TEST(FailureClaimTest, AClaimStoredWhoseReplyWasLostIsThisRunsWin) {
  MemoryStore memory;
  CommitHookStore lost_reply(memory, [](ObjectWriter& inner) -> ObjectInfo {
    inner.Commit();
    throw Error(ErrorKind::kTransient, "connection reset after the request was sent");
  });
  EXPECT_TRUE(notify::ClaimFailureNotice(lost_reply, kManifest, "abc", "refused"));
  EXPECT_FALSE(notify::ClaimFailureNotice(memory, kManifest, "abc", "refused"));
}

TEST(FailureClaimTest, AConflictWhileAnotherRunsClaimIsThereIsALoss) {
  MemoryStore memory;
  bool other_claimed = false;
  CommitHookStore racing(memory, [&](ObjectWriter& inner) -> ObjectInfo {
    inner.Abort();
    if (!std::exchange(other_claimed, true)) {
      EXPECT_TRUE(notify::ClaimFailureNotice(memory, kManifest, "abc", "the other run"));
    }
    throw Error(ErrorKind::kIo, "PUT failed: HTTP 409 ConditionalRequestConflict");
  });
  EXPECT_FALSE(notify::ClaimFailureNotice(racing, kManifest, "abc", "refused"));
  std::string claim_error;
  EXPECT_FALSE(notify::ShouldTellFailure(racing, kManifest, "abc", "refused", claim_error));
  EXPECT_TRUE(claim_error.empty()) << claim_error;
}

TEST(FailureClaimTest, AClaimThatCannotBeWrittenAtAllTellsAnyway) {
  MemoryStore memory;
  memory.FailCommitsAfter(0, ErrorKind::kIo);
  EXPECT_THROW(notify::ClaimFailureNotice(memory, kManifest, "abc", "refused"), Error);
  std::string claim_error;
  EXPECT_TRUE(notify::ShouldTellFailure(memory, kManifest, "abc", "refused", claim_error));
  EXPECT_NE(claim_error.find("injected fault"), std::string::npos) << claim_error;
}

}  // namespace
}  // namespace unpackd
