#include "pipeline/extractor.h"

#include <chrono>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "archive/cached_range_object.h"
#include "archive/read_ahead_source.h"
#include "pipeline/content_type.h"
#include "pipeline/destination.h"
#include "pipeline/member_metadata.h"
#include "pipeline/plan.h"
#include "pipeline/read_batches.h"
#include "util/error.h"

namespace unpackd {
namespace {

constexpr size_t kCopyBufferBytes = 256 << 10;

enum class MemberState { kPending, kWritten, kReused, kFailed };

struct MemberOutcome {
  MemberState state = MemberState::kPending;
  std::string error;
};

std::string NowIso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<Manifest> ReadManifest(ObjectStore& store, const ObjectRef& ref) {
  std::unique_ptr<RandomAccessObject> object;
  try {
    object = store.OpenForRead(ref);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return std::nullopt;
    throw;
  }
  std::string text(object->info().size, '\0');
  size_t got = 0;
  while (got < text.size()) {
    const size_t n = object->ReadAt(
        got, std::span(reinterpret_cast<std::byte*>(text.data()) + got, text.size() - got));
    if (n == 0) break;
    got += n;
  }
  try {
    return Manifest::FromJson(nlohmann::json::parse(text));
  } catch (const std::exception&) {
    return std::nullopt;  // unreadable: treat as absent, it will be rewritten
  }
}

void WriteManifest(ObjectStore& store, const ObjectRef& ref, const Manifest& manifest) {
  const std::string text =
      manifest.ToJson().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  WriteOptions options;
  options.content_type = "application/json";
  options.size_hint = text.size();
  auto writer = store.NewWriter(ref, options);
  writer->Append(std::as_bytes(std::span(text)));
  writer->Commit();
}

// Everything the worker threads share for one extraction.
class ExtractionRun {
 public:
  ExtractionRun(ObjectStore& dest_store, const ObjectRef& archive_ref,
                const ObjectInfo& archive_info, const ZipArchive& archive,
                const ExtractionPlan& plan, const ExtractOptions& options,
                std::unordered_map<std::string, uint64_t> existing)
      : dest_store_(dest_store),
        archive_ref_(archive_ref),
        archive_info_(archive_info),
        archive_(archive),
        plan_(plan),
        options_(options),
        existing_(std::move(existing)),
        outcomes_(plan.members.size()) {
    progress_.bytes_total = plan.total_bytes;
    progress_.members_total = plan.members.size();
  }

  void Run(const std::vector<ReadBatch>& batches, unsigned jobs, size_t read_chunk) {
    read_chunk_ = read_chunk;
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (;;) {
        if (stop_.load()) return;
        const size_t i = next.fetch_add(1);
        if (i >= batches.size()) return;
        try {
          RunBatch(batches[i]);
        } catch (const Error& e) {
          RecordFatal(e);
        } catch (const std::exception& e) {
          RecordFatal(Error(ErrorKind::kInternal, e.what()));
        }
      }
    };
    std::vector<std::jthread> threads;
    const unsigned n =
        std::max(1u, std::min<unsigned>(jobs, static_cast<unsigned>(batches.size())));
    for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);
    worker();
    threads.clear();  // joins
    if (fatal_) throw *fatal_;
  }

  const std::vector<MemberOutcome>& outcomes() const { return outcomes_; }

 private:
  void RecordFatal(const Error& e) {
    std::lock_guard lock(mu_);
    if (!fatal_) fatal_ = e;
    stop_ = true;
  }

  void RunBatch(const ReadBatch& batch) {
    if (batch.range_size == 0) {
      for (size_t i : batch.members) RunMember(i, nullptr);
      return;
    }
    CachedRangeObject cache(archive_.source(), batch.range_begin, batch.range_size);
    for (size_t i : batch.members) {
      if (stop_.load()) return;
      RunMember(i, &cache);
    }
  }

  void RunMember(size_t i, CachedRangeObject* cache) {
    const PlannedMember& member = plan_.members[i];
    const ZipEntry& entry = archive_.entries()[member.entry_index];
    const ObjectRef dest{plan_.destination.bucket, member.key};
    if (auto it = existing_.find(member.key);
        it != existing_.end() && it->second == entry.uncompressed_size) {
      if (IsFromArchive(dest_store_.Stat(dest), archive_ref_, archive_info_.etag,
                        entry.uncompressed_size, entry.crc32)) {
        Finish(i, MemberState::kReused, "", entry.uncompressed_size);
        return;
      }
    }
    try {
      RandomAccessObject& via =
          cache ? static_cast<RandomAccessObject&>(*cache) : archive_.source();
      const MemberExtent extent = archive_.LocateMember(entry, via);
      archive_.CheckDataDescriptor(entry, extent, via);
      std::unique_ptr<CompressedByteSource> compressed;
      if (cache && cache->Contains(extent.data_offset, extent.data_size)) {
        compressed =
            std::make_unique<SpanSource>(cache->View(extent.data_offset, extent.data_size));
      } else {
        compressed = std::make_unique<ReadAheadSource>(archive_.source(), extent.data_offset,
                                                       extent.data_size, read_chunk_);
      }
      MemberStreamLimits limits;
      limits.max_uncompressed = options_.limits.max_member_bytes;
      limits.max_ratio = options_.limits.max_member_ratio;
      auto reader = archive_.OpenMember(entry, std::move(compressed), limits);
      Copy(*reader, dest, member);
      Finish(i, MemberState::kWritten, "", 0);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kArchiveRefused || options_.on_error == OnErrorPolicy::kFail) {
        throw e.WithContext(archive_ref_.ToString());
      }
      Finish(i, MemberState::kFailed, e.what(), entry.uncompressed_size);
    }
  }

  void Copy(MemberReader& reader, const ObjectRef& dest, const PlannedMember& member) {
    const ZipEntry& entry = archive_.entries()[member.entry_index];
    WriteOptions write;
    write.content_type = member.content_type;
    write.metadata = MemberMetadata(archive_ref_, archive_info_.etag, entry.crc32);
    write.size_hint = entry.uncompressed_size;
    auto writer = dest_store_.NewWriter(dest, write);
    std::vector<std::byte> buffer(static_cast<size_t>(
        std::min<uint64_t>(kCopyBufferBytes, std::max<uint64_t>(entry.uncompressed_size, 1))));
    for (;;) {
      const size_t n = reader.Read(buffer);
      if (n == 0) break;  // size and CRC verified by the reader
      writer->Append(std::span(buffer).first(n));
      AddProgress(n, 0);
      if (stop_.load()) {
        writer->Abort();
        throw Error(ErrorKind::kIo, "stopped: another member failed");
      }
    }
    writer->Commit();
  }

  void Finish(size_t i, MemberState state, std::string error, uint64_t skipped_bytes) {
    {
      std::lock_guard lock(mu_);
      outcomes_[i] = MemberOutcome{state, std::move(error)};
    }
    AddProgress(skipped_bytes, 1);
  }

  void AddProgress(uint64_t bytes, uint64_t members) {
    if (!options_.on_progress) return;
    ExtractProgress snapshot;
    {
      std::lock_guard lock(mu_);
      progress_.bytes_done += bytes;
      progress_.members_done += members;
      snapshot = progress_;
    }
    options_.on_progress(snapshot);
  }

  ObjectStore& dest_store_;
  const ObjectRef& archive_ref_;
  const ObjectInfo& archive_info_;
  const ZipArchive& archive_;
  const ExtractionPlan& plan_;
  const ExtractOptions& options_;
  const std::unordered_map<std::string, uint64_t> existing_;
  size_t read_chunk_ = 0;

  std::mutex mu_;
  std::vector<MemberOutcome> outcomes_;
  ExtractProgress progress_;
  std::atomic<bool> stop_{false};
  std::optional<Error> fatal_;
};

}  // namespace

ExtractResult Extract(ObjectStore& source_store, const ObjectRef& archive_ref,
                      ObjectStore& dest_store, const ExtractOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto source = source_store.OpenForRead(archive_ref);
  const ObjectInfo archive_info = source->info();
  std::unique_ptr<ZipArchive> archive;
  try {
    archive = ZipArchive::Open(*source, options.open);
  } catch (const Error& e) {
    throw e.WithContext(archive_ref.ToString());
  }

  const Destination destination = ExpandDestination(
      options.destination_template.empty() ? kDefaultDestinationTemplate
                                           : options.destination_template,
      options.destination_bucket.empty() ? archive_ref.bucket : options.destination_bucket,
      archive_ref.key);
  const ObjectRef manifest_ref{destination.bucket, destination.ManifestKey()};

  ExtractResult result;
  result.manifest_key = manifest_ref.key;
  result.destination_bucket = destination.bucket;

  if (auto previous = ReadManifest(dest_store, manifest_ref);
      previous && previous->source_etag == archive_info.etag &&
      previous->source_bucket == archive_ref.bucket && previous->source_key == archive_ref.key) {
    result.already_complete = true;
    result.manifest = std::move(*previous);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

  const ContentTypeMap types(options.mime_types_path);
  const ExtractionPlan plan = MakePlan(*archive, destination, types, options.limits);
  result.findings = plan.findings;
  if (plan.Refused(options.on_error)) {
    throw Error(ErrorKind::kArchiveRefused,
                archive_ref.ToString() + ": archive refused: " + plan.RefusalSummary());
  }

  // Objects an interrupted run may have left; only these are checked before being rewritten.
  std::unordered_map<std::string, uint64_t> existing;
  if (!destination.prefix.empty()) {
    dest_store.List(destination.bucket, destination.prefix, [&](const ListEntry& e) {
      existing.emplace(e.key, e.size);
      return true;
    });
  }

  const unsigned jobs =
      options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  // Each worker holds at most two read-ahead chunks or one coalesced range.
  const uint64_t per_worker = options.read_memory_budget / jobs;
  BatchingOptions batching;
  batching.max_batch_bytes = std::clamp<uint64_t>(per_worker / 2, 256 << 10, 8 << 20);
  // Four batches per worker at least, so no worker idles while another writes a long run.
  batching.max_batch_members = std::max<size_t>(1, plan.members.size() / (size_t{jobs} * 4));
  const auto batches =
      MakeReadBatches(plan, archive->entries(), archive->info().central_directory_offset, batching);
  // Read-ahead chunks are sized for the workers that can actually be busy: one big member
  // alone gets large ranges (few round trips), many members in flight share the budget.
  const uint64_t busy_workers = std::clamp<uint64_t>(batches.size(), 1, jobs);
  const size_t read_chunk = static_cast<size_t>(
      std::clamp<uint64_t>(options.read_memory_budget / busy_workers / 3, 64 << 10, 8 << 20));

  ExtractionRun run(dest_store, archive_ref, archive_info, *archive, plan, options,
                    std::move(existing));
  run.Run(batches, jobs, read_chunk);

  Manifest& manifest = result.manifest;
  manifest.source_bucket = archive_ref.bucket;
  manifest.source_key = archive_ref.key;
  manifest.source_etag = archive_info.etag;
  manifest.source_version_id = archive_info.version_id;
  manifest.source_size = archive_info.size;
  manifest.destination_bucket = destination.bucket;
  manifest.destination_prefix = destination.prefix;
  manifest.created_at = NowIso8601();
  manifest.unpackd_version = UNPACKD_VERSION;
  for (const auto& f : plan.findings) {
    if (f.member && f.severity != Severity::kWarning) {
      manifest.skipped.push_back({f.member_name, f.code, f.message});
    }
  }
  const auto& outcomes = run.outcomes();
  for (size_t i = 0; i < plan.members.size(); ++i) {
    const PlannedMember& m = plan.members[i];
    const ZipEntry& e = archive->entries()[m.entry_index];
    switch (outcomes[i].state) {
      case MemberState::kWritten:
        ++result.members_written;
        break;
      case MemberState::kReused:
        ++result.members_reused;
        break;
      case MemberState::kFailed:
        manifest.skipped.push_back({e.name, "stream-error", outcomes[i].error});
        result.findings.push_back(
            Finding{Severity::kRefuse, "stream-error", e.index, e.name, outcomes[i].error});
        continue;
      case MemberState::kPending:
        throw Error(ErrorKind::kInternal, "member '" + e.name + "' was never processed");
    }
    manifest.members.push_back({m.path, m.key, e.uncompressed_size, e.crc32, m.content_type});
    manifest.total_bytes += e.uncompressed_size;
  }
  WriteManifest(dest_store, manifest_ref, manifest);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace unpackd
