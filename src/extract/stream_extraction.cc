#include "extract/stream_extraction.h"

#include <algorithm>

#include "archive/formats/open_archive.h"
#include "extract/job_cleanup.h"
#include "extract/member_copy.h"
#include "extract/member_metadata.h"
#include "extract/write_pipe.h"
#include "io/read_ahead_source.h"
#include "util/error.h"

namespace unpackd {
namespace {

using Outcome = ProgressEvent::Outcome;

// The key's file name without its last suffix: what `gzip -d` would name the file.
std::string SingleFileName(const std::string& key) {
  const std::string name = key.substr(key.rfind('/') + 1);
  const size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

class StreamRun {
 public:
  StreamRun(const ExtractJob& job, const JobServices& services, RandomAccessObject& archive,
            const Destination& destination, const ContentTypeMap& types,
            const ListedObjects& existing, const std::function<void()>& before_first_write)
      : job_(job),
        services_(services),
        archive_(archive),
        existing_(existing),
        before_first_write_(before_first_write),
        planner_(Init(out_, destination), out_.entries, *services.destination_store, types,
                 job.limits, FolderClashRule::kRefuseSecond) {}

  StreamedMembers Run() {
    // Writes overlap decompression: the pipe's task writes one member while this thread
    // decompresses the next (members stay in order; at most `buffered` bytes between).
    const MemoryPlan& memory = job_.memory;
    WritePipe pipe(
        *services_.destination_store, *services_.executor,
        static_cast<size_t>(std::clamp<uint64_t>(memory.copy_buffer_bytes * 8, 4 << 20, 32 << 20)));
    try {
      Stream(pipe);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kArchiveRefused) throw;  // the pipe aborts as it goes
      pipe.Abort();
      std::vector<std::string> keys = pipe.Committed();
      keys.insert(keys.end(), reused_.begin(), reused_.end());
      const Error refused =
          e.code() == "archive-refused"
              ? e
              : Error(e.kind(),
                      job_.archive.ToString() + ": archive refused: " +
                          (e.code().empty() ? "corrupt-stream" : e.code()) + ": " + e.what(),
                      e.code().empty() ? "corrupt-stream" : e.code());
      throw RolledBack(refused, *services_.destination_store, out_.plan.destination.bucket, keys);
    }
    return std::move(out_);
  }

 private:
  static ExtractionPlan& Init(StreamedMembers& out, const Destination& destination) {
    out.plan.destination = destination;
    return out.plan;
  }

  void Emit(const ProgressEvent& event) const {
    if (services_.progress) services_.progress->OnProgress(event);
  }

  [[noreturn]] void Refuse(const Finding& finding) const {
    throw Error(ErrorKind::kArchiveRefused,
                job_.archive.ToString() + ": archive refused: " + finding.ToString(),
                "archive-refused");
  }

  void Stream(WritePipe& pipe) {
    const ObjectInfo& info = archive_.info();
    const MemoryPlan& memory = job_.memory;
    // One stream, read in large windows: the whole read share goes to it, two chunks at a time.
    const size_t chunk = static_cast<size_t>(std::clamp<uint64_t>(
        memory.read_windows / 2, 256 << 10, std::max<uint64_t>(memory.max_read_chunk, 1 << 20)));
    auto reader = OpenSequentialArchive(
        std::make_unique<ReadAheadSource>(archive_, 0, info.size, chunk, *services_.executor),
        StreamOpenOptions(job_, info.size));
    std::vector<std::byte> buffer(std::max<size_t>(memory.copy_buffer_bytes, 64 << 10));
    while (auto member = reader->Next()) {
      if (services_.cancel && services_.cancel->cancelled()) {
        throw Error(ErrorKind::kCancelled,
                    job_.archive.ToString() + ": cancelled after " +
                        std::to_string(out_.outcomes.size()) +
                        " members were written; run the job again to finish it",
                    "cancelled");
      }
      if (out_.entries.size() >= job_.limits.max_members) {
        Refuse(Finding{
            Severity::kRefuse, "too-many-members", std::nullopt, "",
            "more than " + std::to_string(job_.limits.max_members) + " members, over the limit"});
      }
      // The header's strings are the reader's until the next one: kept, as the plan views them.
      out_.entries.push_back(out_.strings.Keep(member->entry));
      const size_t findings_before = out_.plan.findings.size();
      if (!planner_.Add(out_.entries.back())) {
        if (job_.on_error == OnErrorPolicy::kFail) {
          for (size_t i = findings_before; i < out_.plan.findings.size(); ++i) {
            if (out_.plan.findings[i].severity == Severity::kRefuse) Refuse(out_.plan.findings[i]);
          }
        }
        continue;
      }
      WriteMember(*member, buffer, pipe);
    }
    pipe.Finish();
    for (Finding& f : reader->TakeWarnings()) out_.plan.findings.push_back(std::move(f));
    planner_.Finish(info.size);
    for (const Finding& f : out_.plan.findings) {
      if (f.severity == Severity::kRefuse && !f.member) Refuse(f);
    }
  }

  void WriteMember(SequentialArchiveReader::Member& member, std::span<std::byte> buffer,
                   WritePipe& pipe) {
    const PlannedMember& planned = out_.plan.members.back();
    ArchiveEntry& entry = out_.entries.back();
    const std::string path(out_.plan.PathOf(planned));
    const ObjectRef dest{out_.plan.destination.bucket, out_.plan.KeyOf(planned)};
    const std::string& etag = archive_.info().etag;
    Emit(ProgressEvent::MemberStarted(entry.index, path));
    if (member.size_known && existing_.SizeOf(dest.key) == entry.size &&
        IsFromArchive(services_.destination_store->Stat(dest), job_.archive, etag, entry.size,
                      std::nullopt)) {
      out_.outcomes.push_back(Outcome::kReused);
      reused_.push_back(dest.key);
      Emit(ProgressEvent::MemberFinished(entry.index, path, Outcome::kReused, entry.size));
      return;
    }
    if (!started_writing_) {
      started_writing_ = true;
      before_first_write_();
    }
    pipe.Begin(dest,
               MemberWriteOptions(job_.archive, etag, *planned.content_type, std::nullopt,
                                  member.size_known ? std::optional(entry.size) : std::nullopt,
                                  out_.plan.destination.UploadRecordsPrefix()));
    uint64_t bytes = 0;
    while (const size_t n = member.content->Read(buffer)) {
      pipe.Append(buffer.first(n));
      bytes += n;
      Emit(ProgressEvent::Bytes(entry.index, n));
    }
    pipe.Commit();  // the reader returned 0: the member is complete and checked
    if (!member.size_known) {
      entry.size = entry.stored_size = bytes;
      out_.plan.total_bytes += bytes;
    }
    out_.outcomes.push_back(Outcome::kWritten);
    Emit(ProgressEvent::MemberFinished(entry.index, path, Outcome::kWritten, 0));
  }

  const ExtractJob& job_;
  const JobServices& services_;
  RandomAccessObject& archive_;
  const ListedObjects& existing_;
  const std::function<void()>& before_first_write_;
  StreamedMembers out_;
  std::vector<std::string> reused_;  // keys kept from an earlier run: rolled back too
  MemberPlanner planner_;
  bool started_writing_ = false;
};

}  // namespace

SequentialOpenOptions StreamOpenOptions(const ExtractJob& job, uint64_t archive_size) {
  SequentialOpenOptions options;
  options.archive_size = archive_size;
  options.single_file_name = SingleFileName(job.archive.key);
  options.max_name_bytes = job.open.max_name_bytes;
  options.max_total_bytes = job.limits.max_total_bytes;
  options.max_ratio = job.limits.max_archive_ratio;
  options.max_member_bytes = job.limits.max_member_bytes;
  // A stream has one decoder: it may have the plan's whole decoder share, and at least the
  // window a ZIP member may ask for (xz -9 needs 64 MiB, twice the default budget's share).
  options.max_decoder_window =
      std::max<uint64_t>(job.open.max_decoder_window, job.memory.decoder_windows);
  return options;
}

StreamedMembers ExtractStream(const ExtractJob& job, const JobServices& services,
                              RandomAccessObject& archive, const Destination& destination,
                              const ContentTypeMap& types, const ListedObjects& existing,
                              const std::function<void()>& before_first_write) {
  StreamRun run(job, services, archive, destination, types, existing, before_first_write);
  return run.Run();
}

}  // namespace unpackd
