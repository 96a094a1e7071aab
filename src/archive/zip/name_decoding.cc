#include "archive/zip/name_decoding.h"

#include <unicode/utf8.h>

#include <map>
#include <span>
#include <string>

#include "archive/charset_detection.h"
#include "archive/legacy_charsets.h"
#include "codec/crc32.h"
#include "util/error.h"

namespace unpackd {
namespace {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Valid UTF-8 without control characters: a name the member checks will not refuse for its
// bytes alone.
bool IsCleanUtf8(std::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) return false;  // also U8_NEXT's -1
  }
  return true;
}

bool MatchesRawName(const UnicodePathExtra& extra, std::string_view raw_name) {
  return Crc32Update(0, std::as_bytes(std::span(raw_name))) == extra.name_crc;
}

// Where decoded names and labels go: names that decode to their own bytes keep viewing them;
// a label is stored once, however many entries it names.
class NameStore {
 public:
  explicit NameStore(StringArena& strings) : strings_(strings) {}

  // `kept`: `bytes` are a raw name (which lives as long as the strings), not an extra field's.
  std::string_view Name(const std::string& decoded, std::string_view bytes, bool kept) {
    return kept && decoded == bytes ? bytes : strings_.Add(decoded);
  }
  std::string_view Label(std::string_view label, bool lossy) {
    if (!lossy) {
      // The constants live forever; a legacy charset's name is copied once.
      for (std::string_view constant : {kNameEncodingUtf8Flag, kNameEncodingUnicodePathExtra,
                                        kNameEncodingAscii, kNameEncodingUtf8Unflagged}) {
        if (label.data() == constant.data()) return label;
      }
    }
    std::string text(label);
    if (lossy) text += kNameEncodingLossySuffix;
    auto [it, added] = labels_.try_emplace(text);
    if (added) it->second = strings_.Add(text);
    return it->second;
  }

 private:
  StringArena& strings_;
  std::map<std::string, std::string_view> labels_;
};

// Decodes with `decoder`, records lossy results, and sets name/name_encoding. `kept`: see
// NameStore::Name.
void Apply(ArchiveEntry& e, std::string_view bytes, bool kept, CharsetDecoder& decoder,
           std::string_view label, NameDecodingReport& report, NameStore& store) {
  size_t replaced = 0;
  e.name = store.Name(ToNfcUtf8(decoder.Decode(bytes, &replaced)), bytes, kept);
  e.name_encoding = store.Label(label, replaced != 0);
  if (replaced != 0) report.lossy_entries.push_back(e.index);
}

}  // namespace

NameDecodingReport DecodeEntryNames(std::span<const ZipEntry> records,
                                    std::span<const UnicodePathExtra> unicode_paths,
                                    std::span<ArchiveEntry> entries,
                                    const NameDecodingOptions& options, StringArena& strings) {
  if (records.size() != entries.size()) {
    throw Error(ErrorKind::kInternal, "name decoding: records and entries differ in number");
  }
  ValidateNameDecodingOptions(options);
  NameDecodingReport report;
  NameStore store(strings);
  CharsetDecoder utf8(kNameEncodingUtf8Flag);

  // First pass: everything that does not depend on the archive's legacy encoding.
  std::vector<size_t> legacy;
  auto extra = unicode_paths.begin();
  for (size_t i = 0; i < records.size(); ++i) {
    const ZipEntry& record = records[i];
    ArchiveEntry& entry = entries[i];
    while (extra != unicode_paths.end() && extra->index < i) ++extra;
    const UnicodePathExtra* unicode_path =
        extra != unicode_paths.end() && extra->index == i ? &*extra : nullptr;
    // The extra names the member when its CRC matches the raw name and either no UTF-8 flag
    // vouches for the raw bytes, or the flagged bytes are no clean name (control characters,
    // invalid UTF-8) while the extra is: a writer that flagged such bytes also recorded the
    // name it meant, and yauzl reads it the same way.
    const bool unicode_path_matches =
        unicode_path != nullptr && MatchesRawName(*unicode_path, record.raw_name());
    const bool use_unicode_path =
        unicode_path_matches && (!record.utf8_flag() || (!IsCleanUtf8(record.raw_name()) &&
                                                         IsCleanUtf8(unicode_path->name)));
    if (use_unicode_path) {
      Apply(entry, unicode_path->name, false, utf8, kNameEncodingUnicodePathExtra, report, store);
    } else if (record.utf8_flag()) {
      Apply(entry, record.raw_name(), true, utf8, kNameEncodingUtf8Flag, report, store);
    } else {
      if (unicode_path != nullptr) report.stale_unicode_path_entries.push_back(entry.index);
      if (IsAscii(record.raw_name())) {
        entry.name = record.raw_name();
        entry.name_encoding = kNameEncodingAscii;
      } else {
        legacy.push_back(i);
      }
    }
  }
  if (legacy.empty()) return report;

  if (!options.forced_encoding.empty()) {
    report.legacy_encoding = std::string(*CanonicalCharsetName(options.forced_encoding));
    report.forced = true;
    report.reason = "forced by option";
  } else {
    std::vector<std::string_view> names;
    names.reserve(legacy.size());
    for (size_t i : legacy) names.push_back(records[i].raw_name());
    CharsetGuess guess = DetectNameCharset(names);
    report.legacy_encoding = std::move(guess.charset);
    report.reason = std::move(guess.reason);
  }

  CharsetDecoder decoder(report.legacy_encoding);
  const std::string_view label = report.legacy_encoding == "utf-8" && !report.forced
                                     ? kNameEncodingUtf8Unflagged
                                     : std::string_view(report.legacy_encoding);
  for (size_t i : legacy)
    Apply(entries[i], records[i].raw_name(), true, decoder, label, report, store);
  return report;
}

}  // namespace unpackd
