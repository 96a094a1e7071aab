#include "archive/legacy_charsets.h"

#include <unicode/normalizer2.h>
#include <unicode/ucnv_cb.h>

#include <array>
#include <cctype>

#include "util/ascii.h"
#include "util/error.h"

namespace unpackd {
namespace {

struct CharsetSpec {
  std::string_view canonical;
  const char* icu_name;
  // Other spellings, compared after lower-casing and dropping '-' and '_'.
  std::array<std::string_view, 7> aliases;
};

const std::array<CharsetSpec, 14>& Charsets() {
  static const std::array<CharsetSpec, 14> kCharsets = {{
      {"utf-8", "UTF-8", {"utf8"}},
      {"cp437", "ibm-437", {"cp437", "ibm437", "437", "dos"}},
      {"cp850", "ibm-850", {"cp850", "ibm850", "850"}},
      {"cp866", "ibm-866", {"cp866", "ibm866", "866"}},
      {"cp1251", "windows-1251", {"cp1251", "windows1251", "ansi1251", "1251"}},
      {"koi8-r", "KOI8-R", {"koi8r", "koi8", "cp878", "cskoi8r"}},
      {"cp1252", "windows-1252", {"cp1252", "windows1252"}},
      {"iso-8859-1", "ISO-8859-1", {"iso88591", "latin1"}},
      {"cp949",
       "windows-949-2000",
       {"cp949", "windows949", "ms949", "uhc", "euckr", "ksc56011987"}},
      {"shift_jis",
       "ibm-943_P15A-2003",
       {"shiftjis", "sjis", "cp932", "windows31j", "ms932", "windows932"}},
      {"euc-jp", "EUC-JP", {"eucjp"}},
      {"gbk", "windows-936-2000", {"gbk", "cp936", "windows936", "gb2312", "euccn"}},
      {"gb18030", "gb18030", {"gb18030"}},
      {"big5", "windows-950-2000", {"big5", "cp950", "windows950"}},
  }};
  return kCharsets;
}

std::string Fold(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '-' || c == '_') continue;
    out.push_back(AsciiLower(c));
  }
  return out;
}

const CharsetSpec* FindSpec(std::string_view canonical) {
  for (const CharsetSpec& spec : Charsets()) {
    if (spec.canonical == canonical) return &spec;
  }
  return nullptr;
}

// ICU to-Unicode callback: substitutes U+FFFD for every bad sequence and counts them in the
// size_t the context points at.
void CountingSubstitute(const void* context, UConverterToUnicodeArgs* args, const char*, int32_t,
                        UConverterCallbackReason reason, UErrorCode* status) {
  if (reason != UCNV_UNASSIGNED && reason != UCNV_ILLEGAL && reason != UCNV_IRREGULAR) return;
  ++*static_cast<size_t*>(const_cast<void*>(context));
  *status = U_ZERO_ERROR;
  static const UChar kReplacement = 0xFFFD;
  ucnv_cbToUWriteUChars(args, &kReplacement, 1, 0, status);
}

}  // namespace

std::optional<std::string_view> CanonicalCharsetName(std::string_view name) {
  const std::string folded = Fold(name);
  if (folded.empty()) return std::nullopt;
  for (const CharsetSpec& spec : Charsets()) {
    if (Fold(spec.canonical) == folded) return spec.canonical;
    for (std::string_view alias : spec.aliases) {
      if (!alias.empty() && alias == folded) return spec.canonical;
    }
  }
  return std::nullopt;
}

std::string KnownCharsetNames() {
  std::string out;
  for (const CharsetSpec& spec : Charsets()) {
    if (!out.empty()) out += ", ";
    out += spec.canonical;
  }
  return out;
}

CharsetDecoder::CharsetDecoder(std::string_view canonical) {
  const CharsetSpec* spec = FindSpec(canonical);
  if (spec == nullptr) {
    throw Error(ErrorKind::kInternal, "no character set named '" + std::string(canonical) + "'");
  }
  name_ = spec->canonical;
  UErrorCode status = U_ZERO_ERROR;
  converter_.reset(ucnv_open(spec->icu_name, &status));
  if (U_FAILURE(status) || !converter_) {
    throw Error(ErrorKind::kInternal,
                std::string("ICU has no converter ") + spec->icu_name + ": " + u_errorName(status));
  }
  ucnv_setToUCallBack(converter_.get(), CountingSubstitute, &replaced_, nullptr, nullptr, &status);
  if (U_FAILURE(status)) {
    throw Error(ErrorKind::kInternal, std::string("cannot set ICU callback for ") + spec->icu_name +
                                          ": " + u_errorName(status));
  }
}

icu::UnicodeString CharsetDecoder::Decode(std::string_view raw, size_t* replaced) {
  replaced_ = 0;
  ucnv_resetToUnicode(converter_.get());
  UErrorCode status = U_ZERO_ERROR;
  // The constructor keeps the converter (and its callback) and flushes at the end, so a
  // truncated trailing multi-byte sequence is reported like any other bad sequence.
  icu::UnicodeString text(raw.data(), static_cast<int32_t>(raw.size()), converter_.get(), status);
  if (U_FAILURE(status)) {
    // Only allocation failures get here; treat the whole name as undecodable.
    text = icu::UnicodeString(static_cast<UChar>(0xFFFD));
    replaced_ = raw.empty() ? 0 : 1;
  }
  if (replaced != nullptr) *replaced = replaced_;
  return text;
}

std::string ToNfcUtf8(const icu::UnicodeString& text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  std::string out;
  if (U_SUCCESS(status)) {
    icu::UnicodeString normalized = nfc->normalize(text, status);
    if (U_SUCCESS(status)) {
      normalized.toUTF8String(out);
      return out;
    }
  }
  // Normalization data is compiled into libicudata, so this is unreachable in practice;
  // unnormalized valid UTF-8 is still better than failing the whole archive.
  text.toUTF8String(out);
  return out;
}

}  // namespace unpackd
