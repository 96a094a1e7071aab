// RunExtractJob: open -> plan -> batches -> members on the executor -> manifest.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <exception>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "extract/content_type.h"
#include "extract/decoder_window.h"
#include "extract/extract_job.h"
#include "extract/job_cleanup.h"
#include "extract/listed_objects.h"
#include "extract/manifest_reader.h"
#include "extract/manifest_writer.h"
#include "extract/member_copy.h"
#include "extract/member_metadata.h"
#include "extract/opened_archive.h"
#include "extract/plan.h"
#include "extract/read_batches.h"
#include "extract/shard_plan.h"
#include "extract/shard_record.h"
#include "extract/stream_extraction.h"
#include "io/cached_range.h"
#include "io/read_ahead_source.h"
#include "store/object_exists.h"
#include "util/error.h"
#include "util/memory_budget.h"
#include "util/mutex.h"
#include "util/task_group.h"

namespace unpackd {
namespace {

using Outcome = ProgressEvent::Outcome;

std::string NowIso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What became of each planned member: one byte a member, as a plan may hold millions; error
// texts are kept beside, for the few that failed.
class MemberOutcomes {
 public:
  explicit MemberOutcomes(size_t members) : states_(members, Outcome::kNone) {}
  explicit MemberOutcomes(std::vector<Outcome> states) : states_(std::move(states)) {}

  Outcome state(size_t i) const { return states_[i]; }
  bool stored(size_t i) const {
    return states_[i] == Outcome::kWritten || states_[i] == Outcome::kReused;
  }
  const std::string& message(size_t i) const {
    static const std::string kNone;
    const auto it = errors_.find(i);
    return it == errors_.end() ? kNone : it->second;
  }
  void Set(size_t i, Outcome state, std::string error) {
    states_[i] = state;
    if (!error.empty()) errors_[i] = std::move(error);
  }
  // Member i's object was copied by the store (kChecked or kTrusted), kept beside the states
  // as errors are: only big stored members are copied.
  void SetServerCopied(size_t i, ServerCopyOutcome how) { copied_[i] = how; }
  std::optional<ServerCopyOutcome> server_copied(size_t i) const {
    const auto it = copied_.find(i);
    return it == copied_.end() ? std::nullopt : std::optional(it->second);
  }

 private:
  std::vector<Outcome> states_;
  std::unordered_map<size_t, std::string> errors_;
  std::unordered_map<size_t, ServerCopyOutcome> copied_;
};

// How reads are shaped for this archive, from the memory plan's read share.
struct ReadShape {
  std::vector<ReadBatch> batches;
  size_t read_chunk = 0;
};

ReadShape ShapeReads(const ExtractionPlan& plan, const ArchiveReader& archive,
                     const MemoryPlan& memory, std::span<const uint32_t> members) {
  const unsigned jobs = memory.jobs;
  // Each worker holds at most two read-ahead chunks or one coalesced range.
  const uint64_t per_worker = memory.read_windows / jobs;
  BatchingOptions batching;
  batching.max_batch_bytes = std::clamp<uint64_t>(per_worker / 2, 256 << 10, 8 << 20);
  // Four batches per worker at least, so no worker idles while another writes a long run.
  batching.max_batch_members = std::max<size_t>(1, members.size() / (size_t{jobs} * 4));
  ReadShape shape;
  shape.batches = MakeReadBatches(plan, archive, batching, members);
  // Read-ahead chunks are sized for the workers that can actually be busy: one big member
  // alone gets large ranges (few round trips), many members in flight share the budget.
  const uint64_t busy_workers = std::clamp<uint64_t>(shape.batches.size(), 1, jobs);
  shape.read_chunk = static_cast<size_t>(
      std::clamp<uint64_t>(memory.read_windows / busy_workers / 3, 64 << 10,
                           std::max<uint64_t>(memory.max_read_chunk, 64 << 10)));
  return shape;
}

// Everything the member tasks of one job share.
class JobRun {
 public:
  // `upload_records_prefix`: where this run's member writers keep their upload records.
  JobRun(const ExtractJob& job, const JobServices& services, const OpenedArchive& opened,
         const ExtractionPlan& plan, const ListedObjects& existing,
         std::string upload_records_prefix)
      : job_(job),
        services_(services),
        archive_info_(opened.object->info()),
        source_(opened.object.get()),
        archive_(*opened.reader),
        plan_(plan),
        existing_(existing),
        upload_records_prefix_(std::move(upload_records_prefix)),
        decoder_budget_(job.memory.decoder_windows),
        outcomes_(plan.members.size()) {}

  // Keeps every member whose object, found by the listing, already holds its bytes: written
  // by an interrupted run of this version, or by an earlier version with the member's size,
  // CRC-32 and Content-Type. One HEAD per candidate, many at once, before any archive byte is
  // read: a new version with a few members changed reads and writes only those. Looks only
  // at plan.members[begin, end) (a shard's). Returns the members left to write, in plan
  // order. Throws as Run does.
  std::vector<uint32_t> KeepUnchanged(size_t begin, size_t end) {
    std::vector<uint32_t> candidates, rest;
    for (size_t i = begin; i < end; ++i) {
      const PlannedMember& member = plan_.members[i];
      const bool same_size =
          existing_.SizeOf(plan_.KeyOf(member)) == archive_.entries()[member.entry_index].size;
      (same_size ? candidates : rest).push_back(static_cast<uint32_t>(i));
    }
    Mutex rest_mu;
    OnWorkers(candidates.size(), [&](size_t c) {
      const uint32_t i = candidates[c];
      if (Kept(i)) return;
      MutexLock lock(rest_mu);
      rest.push_back(i);
    });
    std::sort(rest.begin(), rest.end());
    return rest;
  }

  // Runs every batch on the executor's member lane, at most `jobs` at once. Throws the error
  // that stopped the job (not the "stopped" of members it interrupted); returns normally when
  // cancelled (members not started stay kNone).
  void Run(const ReadShape& shape) {
    read_chunk_ = shape.read_chunk;
    OnWorkers(shape.batches.size(), [&](size_t i) { RunBatch(shape.batches[i]); });
  }

  MemberOutcomes TakeOutcomes() {
    MutexLock lock(mu_);
    return std::move(outcomes_);
  }

 private:
  // Calls `task(i)` for every i < count on the executor's member lane, at most `jobs` at once,
  // until the job stops. Throws the error that stopped it.
  void OnWorkers(size_t count, const std::function<void(size_t)>& task) {
    std::atomic<size_t> next{0};
    TaskGroup group(*services_.executor, Lane::kMembers);
    const size_t runners = std::clamp<size_t>(count, 1, job_.memory.jobs);
    for (size_t r = 0; r < runners; ++r) {
      group.Run([&] {
        for (;;) {
          if (Stopping()) return;
          const size_t i = next.fetch_add(1);
          if (i >= count) return;
          task(i);
        }
      });
    }
    std::exception_ptr other;
    try {
      group.Wait();
    } catch (...) {
      other = std::current_exception();  // an error no member recorded: a bug, or bad_alloc
    }
    MutexLock lock(mu_);
    if (fatal_) std::rethrow_exception(fatal_);
    if (other) std::rethrow_exception(other);
  }

  // Whether member `i`'s object is kept (and recorded so). An object gone since the listing is
  // written again; any other store error stops the job.
  bool Kept(size_t i) {
    const PlannedMember& member = plan_.members[i];
    const ArchiveEntry& entry = archive_.entries()[member.entry_index];
    const ObjectRef& archive_ref = job_.archive;
    ObjectInfo found;
    try {
      found = services_.destination_store->Stat({plan_.destination.bucket, plan_.KeyOf(member)});
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kNotFound) return false;
      StopWith(e.WithContext(archive_ref.ToString()));
      throw;
    }
    if (!IsFromArchive(found, archive_ref, archive_info_.etag, entry.size, entry.crc32) &&
        !HoldsMemberBytes(found, archive_ref, entry.size, entry.crc32, *member.content_type)) {
      return false;
    }
    Emit(ProgressEvent::MemberStarted(entry.index, std::string(plan_.PathOf(member))));
    Finish(entry, member, Outcome::kReused, "", entry.size);
    return true;
  }

  bool Stopping() const {
    return stop_.load() || (services_.cancel && services_.cancel->cancelled());
  }

  // Records the first error that ends the job, then tells the other members to stop: in that
  // order, so the error a member throws on seeing the stop never takes its place.
  void StopWith(const Error& e) {
    {
      MutexLock lock(mu_);
      if (!fatal_) fatal_ = std::make_exception_ptr(e);
    }
    stop_ = true;
  }

  void Emit(const ProgressEvent& event) const {
    if (services_.progress) services_.progress->OnProgress(event);
  }

  void RunBatch(const ReadBatch& batch) {
    if (batch.range_size == 0) {
      for (size_t i : batch.members) {
        if (Stopping()) return;
        RunMember(i, nullptr);
      }
      return;
    }
    CachedRange cache(*source_, batch.range_begin, batch.range_size);
    for (size_t i : batch.members) {
      if (Stopping()) return;
      RunMember(i, &cache);
    }
  }

  void RunMember(size_t i, CachedRange* cache) {
    const PlannedMember& member = plan_.members[i];
    const ArchiveEntry& entry = archive_.entries()[member.entry_index];
    Emit(ProgressEvent::MemberStarted(entry.index, std::string(plan_.PathOf(member))));
    const ObjectRef dest{plan_.destination.bucket, plan_.KeyOf(member)};
    const ObjectRef& archive_ref = job_.archive;
    try {
      BudgetReservation window(&decoder_budget_,
                               DecoderWindowBytes(entry, job_.open.max_decoder_window));
      MemberAccess access;
      access.via = cache ? static_cast<RandomAccessSource*>(cache) : source_;
      access.open_range = [&](uint64_t offset, uint64_t size) -> std::unique_ptr<ByteSource> {
        if (cache && cache->Contains(offset, size)) {
          return std::make_unique<SpanSource>(cache->View(offset, size));
        }
        return std::make_unique<ReadAheadSource>(*source_, offset, size, read_chunk_,
                                                 *services_.executor);
      };
      access.limits.max_uncompressed = job_.limits.max_member_bytes;
      access.limits.max_ratio = job_.limits.max_member_ratio;
      if (CopiedOnServer(i, dest, member, entry, *access.via)) {
        Finish(entry, member, Outcome::kWritten, "", 0);
        return;
      }
      auto reader = archive_.OpenMember(entry, access);
      Copy(*reader, dest, member, entry);
      Finish(entry, member, Outcome::kWritten, "", 0);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kArchiveRefused || job_.on_error == OnErrorPolicy::kFail) {
        StopWith(e.WithContext(archive_ref.ToString()));
        throw;
      }
      Finish(entry, member, Outcome::kFailed, e.what(), entry.size);
    }
  }

  // Whether member i was written by the store from the archive's own bytes (server_copy.h):
  // a stored member big enough, archive and destination in one store that can copy ranges.
  // The first member the store cannot copy turns copying off for the rest of the run (under
  // ServerCopyMode::kOn it fails the job instead).
  bool CopiedOnServer(size_t i, const ObjectRef& dest, const PlannedMember& member,
                      const ArchiveEntry& entry, RandomAccessSource& via) {
    const ServerCopyOptions& options = job_.server_copy;
    if (options.mode == ServerCopyMode::kOff || server_copy_unsupported_.load() ||
        entry.size == 0 || entry.size < options.min_size ||
        services_.source_store != services_.destination_store) {
      return false;
    }
    const std::optional<ByteRange> range = archive_.StoredContentRange(entry, via);
    if (!range) return false;
    const WriteOptions write =
        MemberWriteOptions(job_.archive, archive_info_.etag, *member.content_type, entry.crc32,
                           entry.size, upload_records_prefix_);
    std::vector<std::byte> buffer(static_cast<size_t>(std::min<uint64_t>(
        std::max<uint64_t>(job_.memory.copy_buffer_bytes, 1 << 20), entry.size)));
    const ServerCopyOutcome how =
        CopyMemberOnServer(*services_.destination_store, job_.archive, archive_info_.etag, entry,
                           *range, dest, write, options.check, buffer);
    if (how == ServerCopyOutcome::kUnsupported) {
      server_copy_unsupported_ = true;
      if (options.mode == ServerCopyMode::kOn) {
        throw Error(ErrorKind::kUsage,
                    "--server-copy=on: the store cannot copy ranges of " + job_.archive.ToString() +
                        " (member " + std::string(entry.name) + "); use auto to stream instead",
                    "server-copy-unsupported");
      }
      return false;
    }
    Emit(ProgressEvent::Bytes(entry.index, entry.size));
    MutexLock lock(mu_);
    outcomes_.SetServerCopied(i, how);
    return true;
  }

  void Copy(MemberReader& reader, const ObjectRef& dest, const PlannedMember& member,
            const ArchiveEntry& entry) {
    const WriteOptions write =
        MemberWriteOptions(job_.archive, archive_info_.etag, *member.content_type, entry.crc32,
                           entry.size, upload_records_prefix_);
    std::vector<std::byte> buffer(static_cast<size_t>(
        std::min<uint64_t>(job_.memory.copy_buffer_bytes, std::max<uint64_t>(entry.size, 1))));
    CopyMember(reader, *services_.destination_store, dest, write, buffer, [&](size_t n) {
      Emit(ProgressEvent::Bytes(entry.index, n));
      return !stop_.load();
    });
  }

  void Finish(const ArchiveEntry& entry, const PlannedMember& member, Outcome outcome,
              std::string error, uint64_t bytes) {
    {
      MutexLock lock(mu_);
      outcomes_.Set(static_cast<size_t>(&member - plan_.members.data()), outcome, std::move(error));
    }
    Emit(ProgressEvent::MemberFinished(entry.index, std::string(plan_.PathOf(member)), outcome,
                                       bytes));
  }

  const ExtractJob& job_;
  const JobServices& services_;
  const ObjectInfo archive_info_;
  RandomAccessSource* const source_;
  const ArchiveReader& archive_;
  const ExtractionPlan& plan_;
  const ListedObjects& existing_;
  const std::string upload_records_prefix_;
  size_t read_chunk_ = 0;
  MemoryBudget decoder_budget_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> server_copy_unsupported_{false};

  Mutex mu_;
  MemberOutcomes outcomes_ GUARDED_BY(mu_);
  std::exception_ptr fatal_ GUARDED_BY(mu_);
};

ManifestSummary ManifestHeader(const ExtractJob& job, const ObjectInfo& archive,
                               const Destination& destination) {
  ManifestSummary manifest;
  manifest.source_bucket = job.archive.bucket;
  manifest.source_key = job.archive.key;
  manifest.source_etag = archive.etag;
  manifest.source_version_id = archive.version_id;
  manifest.source_size = archive.size;
  manifest.destination_bucket = destination.bucket;
  manifest.destination_prefix = destination.prefix;
  manifest.created_at = NowIso8601();
  manifest.unpackd_version = UNPACKD_VERSION;
  return manifest;
}

// The refusal `e`, after deleting every object this run wrote or found from an earlier run of
// the same version: under --on-error=fail a refused archive leaves nothing behind.
Error RolledBack(const Error& e, const ExtractionPlan& plan, const MemberOutcomes& outcomes,
                 ObjectStore& store) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < plan.members.size(); ++i) {
    if (outcomes.stored(i)) keys.push_back(plan.KeyOf(plan.members[i]));
  }
  return unpackd::RolledBack(e, store, plan.destination.bucket, keys);
}

// Whether `manifest` vouches for this very archive version.
bool SameArchiveVersion(const ManifestSummary& manifest, const ObjectRef& archive,
                        const std::string& etag) {
  return manifest.source_etag == etag && manifest.source_bucket == archive.bucket &&
         manifest.source_key == archive.key;
}

// A read pinned to the archive's version failed its precondition: if the store now holds
// another version, say so plainly rather than with the server's "412".
void RethrowIfArchiveChanged(const ExtractJob& job, const ObjectInfo& archive,
                             ObjectStore& source_store) {
  std::string now;
  try {
    now = source_store.Stat(job.archive).etag;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kNotFound) return;
    now = "(deleted)";
  }
  if (now == archive.etag) return;
  throw Error(ErrorKind::kPrecondition,
              job.archive.ToString() + ": archive changed during extraction (ETag " + archive.etag +
                  " -> " + now + "); run the job again for the new version",
              "archive-changed");
}

// The end every run shares, once every member is written: the manifest (the commit point:
// counts first, then the lists, streamed), then pruning what an older version left.
// `outcomes` are per plan.members. Throws kCancelled when members were left unwritten by a
// cancellation.
void FinishJob(const ExtractJob& job, const JobServices& services, ExtractResult& result,
               const ObjectInfo& archive_info, const ExtractionPlan& plan,
               std::span<const ArchiveEntry> entries, const MemberOutcomes& outcomes,
               const ListedObjects& existing) {
  const Destination& destination = plan.destination;
  // First the counts (they lead the manifest), then the lists, streamed.
  ManifestSummary& manifest = result.manifest;
  manifest = ManifestHeader(job, archive_info, destination);
  auto skips_member = [](const Finding& f) { return f.member && f.severity != Severity::kWarning; };
  for (const auto& f : plan.findings) manifest.skipped_count += skips_member(f) ? 1 : 0;
  size_t not_started = 0;
  for (size_t i = 0; i < plan.members.size(); ++i) {
    const PlannedMember& m = plan.members[i];
    const ArchiveEntry& e = entries[m.entry_index];
    switch (outcomes.state(i)) {
      case Outcome::kWritten:
        ++result.members_written;
        if (const auto how = outcomes.server_copied(i)) {
          ++result.members_server_copied;
          result.bytes_server_copied += e.size;
          ++manifest.server_copied_count;
          if (*how == ServerCopyOutcome::kTrusted) {
            ++result.members_crc_unchecked;
            ++manifest.crc_unchecked_count;
          }
        }
        break;
      case Outcome::kReused:
        ++result.members_reused;
        ++manifest.reused_count;
        break;
      case Outcome::kFailed:
        ++manifest.skipped_count;
        result.findings.push_back(Finding{Severity::kRefuse, "stream-error", e.index,
                                          std::string(plan.PathOf(m)), outcomes.message(i)});
        continue;
      default:
        ++not_started;
        continue;
    }
    ++manifest.member_count;
    manifest.total_bytes += e.size;
  }
  if (not_started > 0) {
    if (services.cancel && services.cancel->cancelled()) {
      if (services.progress) {
        services.progress->OnProgress(ProgressEvent::JobFinished(Outcome::kCancelled));
      }
      throw Error(ErrorKind::kCancelled,
                  job.archive.ToString() + ": cancelled with " + std::to_string(not_started) +
                      " of " + std::to_string(plan.members.size()) +
                      " members not written; run the job again to finish it",
                  "cancelled");
    }
    throw Error(ErrorKind::kInternal, job.archive.ToString() + ": " + std::to_string(not_started) +
                                          " members were never processed");
  }
  // Conditional first: of workers that raced to extract this version (duplicate events on
  // different hosts), exactly one commits; the manifest of another version is replaced only
  // while this run's version is still the archive's.
  const auto write_manifest = [&](bool if_absent) {
    ManifestWriter writer(*services.destination_store, result.job.manifest, manifest,
                          destination.UploadRecordsPrefix(), if_absent);
    for (size_t i = 0; i < plan.members.size(); ++i) {
      if (!outcomes.stored(i)) continue;
      const PlannedMember& m = plan.members[i];
      const ArchiveEntry& e = entries[m.entry_index];
      const auto how = outcomes.server_copied(i);
      writer.AddMember({std::string(plan.PathOf(m)), plan.KeyOf(m), e.size, e.crc32,
                        *m.content_type, how.has_value(), how != ServerCopyOutcome::kTrusted});
    }
    for (const auto& f : plan.findings) {
      if (skips_member(f)) writer.AddSkip({f.member_name, f.code, f.message});
    }
    for (size_t i = 0; i < plan.members.size(); ++i) {
      if (outcomes.state(i) == Outcome::kFailed) {
        writer.AddSkip(
            {std::string(plan.PathOf(plan.members[i])), "stream-error", outcomes.message(i)});
      }
    }
    writer.Commit();
  };
  try {
    write_manifest(/*if_absent=*/true);
  } catch (const Error& e) {
    if (e.code() != "object-exists") throw;
    std::optional<ManifestSummary> there =
        ReadManifestSummary(*services.destination_store, result.job.manifest);
    if (there && SameArchiveVersion(*there, job.archive, archive_info.etag)) {
      result.already_complete = true;  // committed by another run; its prune is its own
      result.manifest = std::move(*there);
      return;
    }
    RethrowIfArchiveChanged(job, archive_info, *services.source_store);
    write_manifest(/*if_absent=*/false);
  }

  if (job.prune && !existing.empty()) {
    // The manifest's paths, sorted: views of the plan's, 16 bytes a member.
    std::vector<std::string_view> in_manifest;
    for (size_t i = 0; i < plan.members.size(); ++i) {
      if (outcomes.stored(i)) in_manifest.push_back(plan.PathOf(plan.members[i]));
    }
    std::sort(in_manifest.begin(), in_manifest.end());
    const std::string_view prefix = destination.prefix;
    try {
      result.objects_pruned =
          PruneStaleObjects(*services.destination_store, destination, job.archive, existing,
                            [&](std::string_view key) {
                              return key.starts_with(prefix) &&
                                     std::binary_search(in_manifest.begin(), in_manifest.end(),
                                                        key.substr(prefix.size()));
                            })
              .deleted;
    } catch (const Error& e) {
      // The extraction is complete and vouched for; a stale object left behind is worth a
      // warning, not a failed job.
      result.findings.push_back(
          Finding{Severity::kWarning, "prune-failed", std::nullopt, "",
                  std::string("stale objects of an older version remain: ") + e.what()});
    }
  }
}

// The record of shard `shard` from this run's outcomes, counted into `result` as well.
// Throws kCancelled when a cancellation left members of the shard unwritten (no record then:
// a rerun finishes the shard).
ShardRecord RecordShard(const ExtractJob& job, const JobServices& services, ExtractResult& result,
                        const std::string& etag, const ExtractionPlan& plan,
                        std::span<const ArchiveEntry> entries, const MemberOutcomes& outcomes,
                        const ShardResult& shard) {
  ShardRecord record;
  record.archive_etag = etag;
  record.shard = shard.spec;
  record.range = shard.range;
  size_t not_started = 0;
  for (uint32_t i = shard.range.begin; i < shard.range.end; ++i) {
    switch (outcomes.state(i)) {
      case Outcome::kWritten:
        ++record.written;
        ++result.members_written;
        if (const auto how = outcomes.server_copied(i)) {
          record.server_copied.emplace_back(i, *how != ServerCopyOutcome::kTrusted);
          ++result.members_server_copied;
          result.bytes_server_copied += entries[plan.members[i].entry_index].size;
          if (*how == ServerCopyOutcome::kTrusted) ++result.members_crc_unchecked;
        }
        break;
      case Outcome::kReused:
        ++result.members_reused;
        if (!record.reused_runs.empty() && record.reused_runs.back().second == i) {
          ++record.reused_runs.back().second;
        } else {
          record.reused_runs.emplace_back(i, i + 1);
        }
        break;
      case Outcome::kFailed:
        record.failed.emplace_back(i, outcomes.message(i));
        result.findings.push_back(
            Finding{Severity::kRefuse, "stream-error", entries[plan.members[i].entry_index].index,
                    std::string(plan.PathOf(plan.members[i])), outcomes.message(i)});
        break;
      default:
        ++not_started;
    }
  }
  if (not_started > 0) {
    if (!services.cancel || !services.cancel->cancelled()) {
      throw Error(ErrorKind::kInternal, job.archive.ToString() + ": " +
                                            std::to_string(not_started) +
                                            " members of the shard were never processed");
    }
    if (services.progress) {
      services.progress->OnProgress(ProgressEvent::JobFinished(Outcome::kCancelled));
    }
    throw Error(ErrorKind::kCancelled,
                job.archive.ToString() + ": shard " + shard.spec.ToString() + " stopped with " +
                    std::to_string(not_started) + " members not written; run it again to finish it",
                "cancelled");
  }
  return record;
}

Error ShardsPending(const ExtractJob& job, uint32_t recorded, uint32_t count) {
  return Error(ErrorKind::kTransient,
               job.archive.ToString() + ": not every shard has ended (" + std::to_string(recorded) +
                   " of " + std::to_string(count) +
                   " shard records are there); commit again once they have",
               "shards-pending");
}

// The barrier of a fanned-out archive (shard_record.h): when every shard's record is there,
// writes the manifest from them (conditionally: of the workers that see them all, one
// commits) and prunes as a whole run does; else leaves it to the shard still running.
void CommitIfEveryShardIsDone(const ExtractJob& job, const JobServices& services,
                              ExtractResult& result, const ObjectInfo& archive_info,
                              const ExtractionPlan& plan, std::span<const ArchiveEntry> entries,
                              const ListedObjects& existing) {
  ShardResult& shard = *result.shard;
  const ShardRecordsFound found =
      ReadShardRecords(*services.destination_store, plan.destination.bucket,
                       ShardRecordsPrefix(plan.destination, archive_info.etag, shard.spec.count),
                       archive_info.etag, shard.spec.count);
  const std::vector<ShardRecord>& records = found.records;
  shard.records_seen = found.ended();
  if (records.size() < shard.spec.count) return;
  // Every member a record does not say otherwise of was written by its shard.
  MemberOutcomes outcomes(std::vector<Outcome>(plan.members.size(), Outcome::kWritten));
  for (const ShardRecord& record : records) {
    for (const auto& [begin, end] : record.reused_runs) {
      for (uint32_t i = begin; i < end && i < plan.members.size(); ++i) {
        outcomes.Set(i, Outcome::kReused, "");
      }
    }
    for (const auto& [i, message] : record.failed) {
      if (i < plan.members.size()) outcomes.Set(i, Outcome::kFailed, message);
    }
    for (const auto& [i, checked] : record.server_copied) {
      if (i < plan.members.size()) {
        outcomes.SetServerCopied(
            i, checked ? ServerCopyOutcome::kChecked : ServerCopyOutcome::kTrusted);
      }
    }
  }
  // The manifest speaks for the whole archive; this run's own counts stay this shard's.
  ExtractResult whole;
  whole.job = result.job;
  FinishJob(job, services, whole, archive_info, plan, entries, outcomes, existing);
  result.manifest = std::move(whole.manifest);
  result.objects_pruned = whole.objects_pruned;
  for (Finding& f : whole.findings) {
    if (f.code != "stream-error") result.findings.push_back(std::move(f));
  }
  result.already_complete = whole.already_complete;
  shard.committed = !whole.already_complete;
}

}  // namespace

std::string MakeJobId(const ObjectRef& archive, const std::string& etag,
                      const ObjectRef& manifest) {
  // FNV-1a over the fields, each terminated by a NUL so ("ab","c") differs from ("a","bc").
  uint64_t hash = 14695981039346656037ull;
  for (const std::string* field :
       {&archive.bucket, &archive.key, &etag, &manifest.bucket, &manifest.key}) {
    for (char c : *field) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    hash *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return buf;
}

ExtractResult RunExtractJob(const ExtractJob& job, const JobServices& services) {
  if (!services.source_store || !services.destination_store || !services.executor) {
    throw Error(ErrorKind::kInternal, "RunExtractJob needs both stores and an executor");
  }
  const auto started = std::chrono::steady_clock::now();
  OpenedArchive opened = OpenJobArchive(job, *services.source_store, /*read_directory=*/false);
  const ObjectInfo& archive_info = opened.object->info();
  const Destination& destination = opened.destination;

  ExtractResult result;
  result.job.archive = job.archive;
  result.job.etag = archive_info.etag;
  result.job.version_id = archive_info.version_id;
  result.job.manifest = ObjectRef{destination.bucket, destination.ManifestKey()};
  result.job.id = MakeJobId(job.archive, archive_info.etag, result.job.manifest);
  auto emit_finished = [&](Outcome outcome) {
    if (services.progress) {
      services.progress->OnProgress(ProgressEvent::JobFinished(outcome));
    }
  };

  std::optional<ManifestSummary> previous =
      ReadManifestSummary(*services.destination_store, result.job.manifest);
  if (previous && SameArchiveVersion(*previous, job.archive, archive_info.etag)) {
    result.already_complete = true;
    result.manifest = std::move(*previous);
    result.seconds = SecondsSince(started);
    emit_finished(Outcome::kReused);
    return result;
  }

  if (job.plan_only && job.fan_out && opened.sequential) {
    result.fan_out = 1;
    result.seconds = SecondsSince(started);
    return result;
  }
  const bool commit_only = job.shard && job.shard_end == ExtractJob::ShardEnd::kCommitOnly;
  if (commit_only && opened.sequential) {
    // A stream is never split: its one run commits, and has not yet.
    throw ShardsPending(job, 0, 1);
  }

  const ContentTypeMap types(job.mime_types_path);
  // A directory (ZIP), or the listing pass a stream makes under --verify-first: either way the
  // whole plan is known, and a refusal here has written nothing.
  std::optional<ExtractionPlan> planned;
  if (!opened.sequential || job.verify_first) {
    ReadJobArchiveDirectory(job, opened);
    planned =
        MakePlan(*opened.reader, destination, *services.destination_store, types, job.limits,
                 opened.sequential ? FolderClashRule::kRefuseSecond : FolderClashRule::kRefuseFile);
    result.findings = planned->findings;
    if (planned->Refused(job.on_error)) {
      throw Error(ErrorKind::kArchiveRefused,
                  job.archive.ToString() + ": archive refused: " + planned->RefusalSummary(),
                  "archive-refused");
    }
    if (!opened.sequential && !job.shard && job.fan_out) {
      const uint32_t shards = ShardCountFor(*planned, *job.fan_out);
      if (shards > 1 || job.plan_only) {
        result.fan_out = shards;
        result.seconds = SecondsSince(started);
        return result;
      }
    }
    if (services.progress) {
      services.progress->OnProgress(
          ProgressEvent::JobStarted(planned->members.size(), planned->total_bytes));
    }
  }

  // A manifest of another archive version vouches for objects this run is about to replace:
  // it goes before the first of them is written, so the destination never claims a
  // completeness it does not have. (A refusal above leaves it: nothing was written.)
  auto delete_previous_manifest = [&] {
    if (previous) services.destination_store->Delete(result.job.manifest);
  };
  if (!opened.sequential) delete_previous_manifest();

  // Multipart uploads an interrupted run left (killed mid-member): aborted before this run
  // starts its own, and only those its upload records prove unpackd started. Resuming them
  // instead (ListParts) would need each part's bytes checked against the archive; rewriting a
  // member costs what re-reading it to check would, so they are aborted.
  // A shard aborts only its own: the other shards' uploads may be running now, elsewhere.
  const std::string upload_records_prefix = job.shard
                                                ? ShardUploadRecordsPrefix(destination, *job.shard)
                                                : destination.UploadRecordsPrefix();
  // A commit writes no member, and the shards' uploads may still be running.
  const CleanupReport orphans =
      commit_only
          ? CleanupReport{}
          : AbortRecordedUploads(*services.destination_store, destination, upload_records_prefix);
  if (orphans.failed > 0) {
    // The run itself can still succeed; the records stay, so the next run tries again.
    result.findings.push_back(Finding{
        Severity::kWarning, "orphan-uploads", std::nullopt, "",
        std::to_string(orphans.failed) +
            " incomplete multipart uploads of an interrupted run could not be aborted (first: " +
            orphans.first_failure + ")"});
  }

  // Objects an interrupted run may have left; only these are checked before being rewritten.
  const ListedObjects existing =
      ListedObjects::List(*services.destination_store, destination.bucket, destination.prefix);

  if (opened.sequential && job.shard && job.shard->count > 1) {
    throw Error(ErrorKind::kUsage,
                job.archive.ToString() +
                    ": only a ZIP archive can be split into shards; a stream (the tar family) has "
                    "no directory to split by, so extract it whole",
                "not-shardable");
  }
  if (opened.sequential) {
    // A stream is planned again as it is read (the plan above only checked it): the same
    // entries in the same order give the same plan.
    StreamedMembers streamed;
    try {
      streamed = ExtractStream(job, services, *opened.object, destination, types, existing,
                               delete_previous_manifest);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kPrecondition) {
        RethrowIfArchiveChanged(job, archive_info, *services.source_store);
      }
      if (e.kind() == ErrorKind::kCancelled) emit_finished(Outcome::kCancelled);
      throw;
    }
    if (!planned) {
      for (Finding& f : streamed.plan.findings) result.findings.push_back(std::move(f));
    }
    const MemberOutcomes outcomes(std::move(streamed.outcomes));
    FinishJob(job, services, result, archive_info, streamed.plan, streamed.entries, outcomes,
              existing);
  } else {
    // The member table is memory too: the buffers get what the budget has left beside it
    // (the table, the plan, and a member's outcome, batch slot and place in the list of
    // members to write).
    ExtractJob budgeted = job;
    budgeted.memory = WithMemberTable(
        job.memory, opened.reader->table_bytes() + planned->bytes() +
                        planned->members.size() * (sizeof(Outcome) + 2 * sizeof(uint32_t)));
    // A whole run is every member.
    ShardRange range{0, static_cast<uint32_t>(planned->members.size()), planned->total_bytes};
    ObjectRef record_ref;
    if (job.shard) {
      range =
          SplitIntoShards(*planned, opened.reader->entries(), job.shard->count)[job.shard->index];
      record_ref = {destination.bucket, ShardRecordKey(destination, archive_info.etag, *job.shard)};
      result.shard = ShardResult{*job.shard, range};
      result.shard->recorded_before = ObjectExists(*services.destination_store, record_ref);
    }
    JobRun run(budgeted, services, opened, *planned, existing, upload_records_prefix);
    try {
      if (!result.shard || (!result.shard->recorded_before && !commit_only)) {
        const std::vector<uint32_t> to_write = run.KeepUnchanged(range.begin, range.end);
        run.Run(ShapeReads(*planned, *opened.reader, budgeted.memory, to_write));
      }
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kArchiveRefused) {
        throw RolledBack(e, *planned, run.TakeOutcomes(), *services.destination_store);
      }
      if (e.kind() == ErrorKind::kPrecondition) {
        RethrowIfArchiveChanged(job, archive_info, *services.source_store);
      }
      throw;
    }
    if (!job.shard) {
      FinishJob(job, services, result, archive_info, *planned, opened.reader->entries(),
                run.TakeOutcomes(), existing);
    } else {
      if (!result.shard->recorded_before && !commit_only) {
        WriteShardRecord(*services.destination_store, record_ref,
                         RecordShard(job, services, result, archive_info.etag, *planned,
                                     opened.reader->entries(), run.TakeOutcomes(), *result.shard));
      }
      if (job.shard_end != ExtractJob::ShardEnd::kRecordOnly) {
        CommitIfEveryShardIsDone(job, services, result, archive_info, *planned,
                                 opened.reader->entries(), existing);
      }
      if (commit_only && result.shard->records_seen < job.shard->count) {
        throw ShardsPending(job, result.shard->records_seen, job.shard->count);
      }
    }
  }
  result.seconds = SecondsSince(started);
  emit_finished(Outcome::kWritten);
  return result;
}

}  // namespace unpackd
