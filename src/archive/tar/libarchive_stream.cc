#include "archive/tar/libarchive_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "archive/legacy_charsets.h"
#include "archive/names.h"
#include "archive/tar/decoded_source.h"
#include "archive/tar/gzip_header.h"
#include "archive/tar/gzip_source.h"
#include "codec/codec.h"
#include "codec/lzma_alone_decompressor.h"
#include "util/error.h"

namespace unpackd {
namespace {

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

// A name as valid NFC UTF-8: pax records UTF-8, GNU tar and ustar the writer's locale bytes,
// which today are UTF-8 too. Invalid bytes become U+FFFD and the encoding says "(lossy)".
std::pair<std::string, std::string> DecodeName(std::string_view raw) {
  const icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())));
  std::string back;
  text.toUTF8String(back);
  const bool lossy = back != raw;  // fromUTF8 replaced an invalid sequence
  std::string encoding(kNameEncodingUtf8Flag);
  if (lossy) encoding += kNameEncodingLossySuffix;
  return {ToNfcUtf8(text), std::move(encoding)};
}

constexpr size_t kDecodedChunk = size_t{1} << 20;

bool StartsWith(std::span<const std::byte> head, std::initializer_list<uint8_t> magic) {
  return head.size() >= magic.size() &&
         std::equal(magic.begin(), magic.end(), head.begin(),
                    [](uint8_t m, std::byte b) { return std::byte{m} == b; });
}

// The .lzma header: LZMA1 properties 0x5d (what every encoder writes by default; also what
// IsSequentialArchive accepts) and a dictionary of at least 4 KiB, which tells it from a tar
// whose first member is named "]".
bool IsLzmaAlone(std::span<const std::byte> head) {
  if (head.size() < 13 || head[0] != std::byte{0x5d}) return false;
  uint32_t dictionary = 0;
  for (int i = 4; i >= 1; --i) dictionary = dictionary << 8 | std::to_integer<uint32_t>(head[i]);
  return dictionary >= 4096;
}

class LibarchiveStream final : public SequentialArchiveReader {
 public:
  LibarchiveStream(std::unique_ptr<ByteSource> stream, const SequentialOpenOptions& options)
      : stream_(std::move(stream)), options_(options), archive_(archive_read_new()) {
    if (!archive_) throw std::bad_alloc();
    struct archive* a = archive_.get();
    // ARCHIVE_WARN from these means "through an external program": refused.
    // gzip, xz, .lzma and zstd are decoded before libarchive sees the stream (OpenDecoder):
    // its gzip filter skips the CRC, and its xz, lzma and zstd filters know no memory limit.
    // bzip2's memory is fixed by the format (at most 900 KB blocks: under 4 MiB to decode).
    for (int rc : {archive_read_support_filter_bzip2(a), archive_read_support_format_tar(a),
                   archive_read_support_format_gnutar(a), archive_read_support_format_raw(a)}) {
      if (rc != ARCHIVE_OK) {
        throw Error(ErrorKind::kInternal,
                    std::string("libarchive lacks a built-in decoder: ") + ErrorText());
      }
    }
    if (archive_read_open(a, this, nullptr, &LibarchiveStream::ReadCallback, nullptr) !=
        ARCHIVE_OK) {
      Fail("cannot read the stream");
    }
    info_.size = options_.archive_size;
    pending_ = ReadHeader();
    if (!pending_) Fail("the stream holds no member");
    single_file_ = archive_format(a) == ARCHIVE_FORMAT_RAW;
    const std::string suffix = decoded_                                            ? decoded_suffix_
                               : archive_filter_code(a, 0) == ARCHIVE_FILTER_BZIP2 ? "bz2"
                                                                                   : "";
    if (single_file_ && suffix.empty()) Fail("neither a tar archive nor a compressed file");
    info_.format = single_file_ ? suffix : suffix.empty() ? "tar" : "tar." + suffix;
    pending_->entry.method_name = info_.format;  // read before the format was known
  }

  const ArchiveInfo& info() const override { return info_; }

  std::vector<Finding> TakeWarnings() override { return std::exchange(warnings_, {}); }

  std::optional<Member> Next() override {
    if (pending_) return std::exchange(pending_, std::nullopt);
    if (finished_) return std::nullopt;
    Drain();
    return ReadHeader();
  }

  // The content of the current member, through libarchive (sparse holes come back as zeros).
  size_t ReadContent(std::span<std::byte> out) {
    if (out.empty() || !current_) return 0;
    const ArchiveEntry& entry = current_->entry;
    const bool size_known = current_->size_known;
    uint64_t& done = current_->done;
    const la_ssize_t n = archive_read_data(archive_.get(), out.data(), out.size());
    if (n < 0) Fail("member '" + std::string(entry.name) + "' is corrupt or truncated");
    const auto got = static_cast<uint64_t>(n);
    done += got;
    total_content_ += got;
    if (size_known && (done > entry.size || (got == 0 && done != entry.size))) {
      Fail("member '" + std::string(entry.name) + "' holds " + std::to_string(done) +
           " bytes, its header says " + std::to_string(entry.size));
    }
    if (done > options_.max_member_bytes) {
      Refuse("member-size-limit", "member '" + std::string(entry.name) + "' is over the limit of " +
                                      std::to_string(options_.max_member_bytes) + " bytes");
    }
    CheckLimits();
    return static_cast<size_t>(got);
  }

 private:
  class Content final : public MemberReader {
   public:
    explicit Content(LibarchiveStream& stream) : stream_(stream) {}
    // Valid until the stream's next Next(), which moves on to another member.
    size_t Read(std::span<std::byte> out) override { return stream_.ReadContent(out); }

   private:
    LibarchiveStream& stream_;
  };

  static la_ssize_t ReadCallback(struct archive* a, void* self_ptr, const void** buffer) {
    auto* self = static_cast<LibarchiveStream*>(self_ptr);
    try {
      std::span<const std::byte> chunk;
      if (self->decoded_) {
        chunk = self->decoded_->Next();
      } else {
        chunk = self->stream_->Next();
        if (self->first_chunk_) {
          self->first_chunk_ = false;
          self->gzip_name_ = GzipStoredName(chunk);
          self->decoded_ = self->OpenDecoder(chunk);
          if (self->decoded_) chunk = self->decoded_->Next();
        }
      }
      *buffer = chunk.data();
      return static_cast<la_ssize_t>(chunk.size());
    } catch (...) {
      // An exception must not unwind through libarchive's C frames: kept, and rethrown (with
      // its own kind: a store error stays a store error) once libarchive gives up.
      self->source_error_ = std::current_exception();
      archive_set_error(a, EIO, "the archive could not be read");
      return -1;
    }
  }

  // Our decoder for a compressed stream starting with `head` (its first chunk), or null for a
  // plain tar or bzip2 (libarchive's).
  std::unique_ptr<ByteSource> OpenDecoder(std::span<const std::byte> head) {
    if (StartsWith(head, {0x1f, 0x8b})) {
      decoded_suffix_ = "gz";
      return std::make_unique<GzipSource>(*stream_, head, kDecodedChunk);
    }
    DecompressorParams params;
    params.max_dictionary = options_.max_decoder_window;
    params.concatenated = true;
    std::unique_ptr<Decompressor> decoder;
    if (StartsWith(head, {0xfd, '7', 'z', 'X', 'Z', 0x00})) {
      decoded_suffix_ = "xz";
      decoder = MakeDecompressor(Codec::kXz, params);
    } else if (StartsWith(head, {0x28, 0xb5, 0x2f, 0xfd})) {
      decoded_suffix_ = "zst";
      decoder = MakeDecompressor(Codec::kZstd, params);
    } else if (IsLzmaAlone(head)) {
      decoded_suffix_ = "lzma";
      decoder = MakeLzmaAloneDecompressor(params);
    } else {
      return nullptr;
    }
    return std::make_unique<DecodedSource>(*stream_, head, std::move(decoder), decoded_suffix_,
                                           kDecodedChunk);
  }

  std::string ErrorText() const {
    const char* text = archive_error_string(archive_.get());
    return text ? text : "unknown error";
  }

  [[noreturn]] void Fail(const std::string& what) {
    finished_ = true;
    if (source_error_) std::rethrow_exception(source_error_);
    throw Error(ErrorKind::kArchiveRefused,
                info_.format.empty() ? what + ": " + ErrorText()
                                     : info_.format + " " + what + ": " + ErrorText(),
                "corrupt-stream");
  }

  [[noreturn]] void Refuse(const std::string& code, const std::string& message) {
    finished_ = true;
    throw Error(ErrorKind::kArchiveRefused, message, code);
  }

  // A stream declares no total, so the limits hold for what was decompressed so far: the
  // members' content, and the whole decompressed stream against the compressed archive
  // (which counts members skipped unread too).
  void CheckLimits() {
    if (total_content_ > options_.max_total_bytes) {
      Refuse("total-size-limit", "members hold more than " +
                                     std::to_string(options_.max_total_bytes) +
                                     " bytes in all, over the limit");
    }
    const auto expanded = static_cast<uint64_t>(archive_filter_bytes(archive_.get(), 0));
    if (options_.max_ratio > 0 && expanded > options_.ratio_grace_bytes &&
        static_cast<double>(expanded) > options_.max_ratio * static_cast<double>(std::max<uint64_t>(
                                                                 options_.archive_size, 1))) {
      Refuse("archive-ratio-limit",
             "the stream decompresses to more than " + std::to_string(expanded) + " bytes from a " +
                 std::to_string(options_.archive_size) + "-byte archive, over the ratio limit of " +
                 std::to_string(static_cast<int>(options_.max_ratio)) + ":1 (possible bomb)");
    }
  }

  // What the caller did not read of the current member, read here rather than by libarchive's
  // own skip, so the limits hold while it decompresses.
  void Drain() {
    if (!current_) return;
    std::vector<std::byte> scratch(size_t{64} << 10);
    while (ReadContent(scratch) > 0) {
    }
    current_.reset();
  }

  std::optional<Member> ReadHeader() {
    struct archive_entry* e = nullptr;
    const int rc = archive_read_next_header(archive_.get(), &e);
    if (rc == ARCHIVE_EOF) {
      finished_ = true;
      return std::nullopt;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      Fail("header of member " + std::to_string(index_) + " is corrupt or truncated");
    CheckLimits();
    Member member;
    ArchiveEntry& entry = member.entry;
    entry.index = index_++;
    const char* utf8 = archive_entry_pathname_utf8(e);
    const char* raw = utf8 ? utf8 : archive_entry_pathname(e);
    std::string_view name = raw ? raw : "";
    if (archive_format(archive_.get()) == ARCHIVE_FORMAT_RAW) {
      // The name libarchive gives a lone compressed file is a placeholder ("data").
      name = gzip_name_ ? std::string_view(*gzip_name_) : options_.single_file_name;
    }
    if (name.size() > options_.max_name_bytes) {
      Refuse("name-too-long", "member " + std::to_string(entry.index) + " has a name of " +
                                  std::to_string(name.size()) + " bytes, over the limit of " +
                                  std::to_string(options_.max_name_bytes));
    }
    // The entry views the reader's copy until the next header (SequentialArchiveReader).
    std::tie(name_, name_encoding_) = DecodeName(name);
    entry.name = name_;
    entry.name_encoding = name_encoding_;
    if (rc == ARCHIVE_WARN) {
      warnings_.push_back(Finding{Severity::kWarning, "header-warning", entry.index, name_,
                                  "read with a warning: " + ErrorText()});
    }
    member.size_known = archive_entry_size_is_set(e) != 0;
    entry.size = member.size_known ? static_cast<uint64_t>(archive_entry_size(e)) : 0;
    entry.codec = Codec::kStored;  // libarchive decompresses the stream as a whole
    entry.method_name = info_.format;
    if (archive_entry_hardlink(e) != nullptr) {
      entry.kind = EntryKind::kHardLink;
    } else {
      switch (archive_entry_filetype(e)) {
        case AE_IFREG:
          entry.kind = EntryKind::kFile;
          break;
        case AE_IFDIR:
          entry.kind = EntryKind::kDirectory;
          break;
        case AE_IFLNK:
          entry.kind = EntryKind::kSymlink;
          break;
        default:
          // A lone compressed file has no type: it is a file.
          entry.kind = archive_format(archive_.get()) == ARCHIVE_FORMAT_RAW ? EntryKind::kFile
                                                                            : EntryKind::kSpecial;
      }
    }
    entry.stored_size = entry.size;  // not known per member inside one compressed stream
    if (entry.kind == EntryKind::kFile) {
      current_ = std::make_unique<Current>(Current{entry, member.size_known, 0});
      member.content = std::make_unique<Content>(*this);
    } else {
      current_.reset();
    }
    return member;
  }

  // The member libarchive stands in: what its Content and Drain read, and how much.
  struct Current {
    ArchiveEntry entry;
    bool size_known;
    uint64_t done;
  };

  std::unique_ptr<ByteSource> stream_;
  const SequentialOpenOptions options_;
  std::unique_ptr<struct archive, ArchiveFree> archive_;
  std::exception_ptr source_error_;
  bool first_chunk_ = true;
  std::optional<std::string> gzip_name_;
  std::string name_;                     // the current member's decoded name
  std::string name_encoding_;            // and what decoded it
  std::unique_ptr<ByteSource> decoded_;  // reads stream_ when we decode it (OpenDecoder)
  std::string decoded_suffix_;           // "gz", "xz", "zst", "lzma"
  bool single_file_ = false;
  ArchiveInfo info_;
  std::optional<Member> pending_;
  std::unique_ptr<Current> current_;
  uint32_t index_ = 0;
  uint64_t total_content_ = 0;
  bool finished_ = false;
  std::vector<Finding> warnings_;
};

}  // namespace

std::unique_ptr<SequentialArchiveReader> OpenLibarchiveStream(
    std::unique_ptr<ByteSource> stream, const SequentialOpenOptions& options) {
  return std::make_unique<LibarchiveStream>(std::move(stream), options);
}

}  // namespace unpackd
