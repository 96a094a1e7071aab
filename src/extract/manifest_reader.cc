#include "extract/manifest_reader.h"

#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/source_streambuf.h"
#include "util/error.h"

namespace unpackd {
namespace {

// A SAX consumer that keeps the summary fields and hands out one member at a time. Paths it
// knows: /format, /created_at, /unpackd_version, /source/*, /destination/*, /totals/*,
// /members/N/*; everything else (skips included) is read past without being kept.
class ManifestSax {
 public:
  using Json = nlohmann::json;

  ManifestSax(ManifestSummary& summary, const std::function<bool(const ManifestMember&)>* on_member)
      : summary_(summary), on_member_(on_member) {}

  bool SummaryComplete() const { return format_ok_ && saw_source_ && saw_totals_; }
  bool failed() const { return failed_; }
  bool stopped() const { return stopped_; }

  bool null() { return true; }
  bool boolean(bool v) {
    if (At("members", "server_copied")) member_.server_copied = v;
    if (At("members", "crc_checked")) member_.crc_checked = v;
    return true;
  }
  bool number_integer(Json::number_integer_t v) {
    return v < 0 ? true : Number(static_cast<uint64_t>(v));
  }
  bool number_unsigned(Json::number_unsigned_t v) { return Number(v); }
  bool number_float(Json::number_float_t, const Json::string_t&) { return true; }
  bool binary(Json::binary_t&) { return true; }
  bool string(Json::string_t& v) { return String(v); }
  bool start_object(std::size_t) {
    if (InMemberList()) member_ = ManifestMember{};
    frames_.push_back(Frame{false, {}});
    return true;
  }
  bool end_object() {
    frames_.pop_back();
    if (InMemberList() && on_member_ != nullptr && !(*on_member_)(member_)) {
      stopped_ = true;
      return false;
    }
    return true;
  }
  bool start_array(std::size_t) {
    frames_.push_back(Frame{true, {}});
    return true;
  }
  bool end_array() {
    frames_.pop_back();
    return true;
  }
  bool key(Json::string_t& k) {
    frames_.back().key = k;
    if (frames_.size() == 1 && k == "members" && on_member_ == nullptr && SummaryComplete()) {
      stopped_ = true;  // the summary came first: the lists are not needed
      return false;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    failed_ = true;
    return false;
  }

 private:
  struct Frame {
    bool array;
    std::string key;
  };

  // Directly inside /members (an element is about to start or has just ended).
  bool InMemberList() const {
    return frames_.size() == 2 && frames_[1].array && frames_[0].key == "members";
  }
  // The field of /<section>/<field>, or of /members/N/<field> for section "members".
  bool At(std::string_view section, std::string_view field) const {
    if (section == "members") {
      return frames_.size() == 3 && frames_[0].key == "members" && frames_[1].array &&
             frames_[2].key == field;
    }
    return frames_.size() == 2 && !frames_[1].array && frames_[0].key == section &&
           frames_[1].key == field;
  }
  bool AtRoot(std::string_view field) const {
    return frames_.size() == 1 && frames_[0].key == field;
  }

  bool String(std::string& v) {
    if (AtRoot("format")) {
      format_ok_ = v == kManifestFormat;
      if (!format_ok_) return false;  // another format: nothing here can be trusted
    } else if (AtRoot("created_at")) {
      summary_.created_at = std::move(v);
    } else if (AtRoot("unpackd_version")) {
      summary_.unpackd_version = std::move(v);
    } else if (At("source", "bucket")) {
      summary_.source_bucket = std::move(v);
    } else if (At("source", "key")) {
      summary_.source_key = std::move(v);
    } else if (At("source", "etag")) {
      summary_.source_etag = std::move(v);
      saw_source_ = true;
    } else if (At("source", "version_id")) {
      summary_.source_version_id = std::move(v);
    } else if (At("destination", "bucket")) {
      summary_.destination_bucket = std::move(v);
    } else if (At("destination", "prefix")) {
      summary_.destination_prefix = std::move(v);
    } else if (At("members", "name")) {
      member_.name = std::move(v);
    } else if (At("members", "key")) {
      member_.key = std::move(v);
    } else if (At("members", "content_type")) {
      member_.content_type = std::move(v);
    } else if (At("members", "crc32")) {
      size_t used = 0;
      try {
        member_.crc32 = static_cast<uint32_t>(std::stoul(v, &used, 16));
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || v.empty()) failed_ = true;
      return !failed_;
    }
    return true;
  }

  bool Number(uint64_t v) {
    if (At("source", "size")) {
      summary_.source_size = v;
    } else if (At("totals", "members")) {
      summary_.member_count = v;
      saw_totals_ = true;
    } else if (At("totals", "bytes")) {
      summary_.total_bytes = v;
    } else if (At("totals", "skipped")) {
      summary_.skipped_count = v;
    } else if (At("totals", "reused")) {
      summary_.reused_count = v;
    } else if (At("totals", "server_copied")) {
      summary_.server_copied_count = v;
    } else if (At("totals", "crc_unchecked")) {
      summary_.crc_unchecked_count = v;
    } else if (At("members", "size")) {
      member_.size = v;
    }
    return true;
  }

  ManifestSummary& summary_;
  const std::function<bool(const ManifestMember&)>* on_member_;
  std::vector<Frame> frames_;
  ManifestMember member_;
  bool format_ok_ = false;
  bool saw_source_ = false;
  bool saw_totals_ = false;
  bool failed_ = false;
  bool stopped_ = false;
};

// Parses the manifest at `ref` through `sax`. Returns false when there is no manifest.
bool Parse(ObjectStore& store, const ObjectRef& ref, ManifestSax& sax) {
  std::unique_ptr<RandomAccessObject> object;
  try {
    object = store.OpenForRead(ref);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kNotFound) return false;
    throw;
  }
  SourceStreambuf buffer(*object);
  std::istream in(&buffer);
  nlohmann::json::sax_parse(in, &sax);
  return true;
}

}  // namespace

std::optional<ManifestSummary> ReadManifestSummary(ObjectStore& store, const ObjectRef& ref) {
  ManifestSummary summary;
  ManifestSax sax(summary, nullptr);
  if (!Parse(store, ref, sax) || sax.failed() || !sax.SummaryComplete()) return std::nullopt;
  return summary;
}

void ForEachManifestMember(ObjectStore& store, const ObjectRef& ref,
                           const std::function<bool(const ManifestMember&)>& on_member) {
  ManifestSummary summary;
  ManifestSax sax(summary, &on_member);
  if (!Parse(store, ref, sax)) {
    throw Error(ErrorKind::kNotFound, "no manifest at " + ref.bucket + "/" + ref.key);
  }
  if (sax.failed() || (!sax.stopped() && !sax.SummaryComplete())) {
    throw Error(ErrorKind::kIo, "malformed manifest at " + ref.bucket + "/" + ref.key);
  }
}

}  // namespace unpackd
