// The character sets unpackd decodes member names from, and a strict-or-lossy decoder for them.
//
// Names are canonical and lower-case ("cp437", "cp949", "shift_jis", "gbk", "utf-8", ...);
// each maps to one ICU converter. The Windows code-page variants are used (CP949 = UHC, a
// superset of EUC-KR; Shift-JIS = CP932; GBK = CP936; CP1251, not ISO-8859-5) because the tools
// that write legacy names (Windows Explorer, ALZip, Bandizip, WinRAR, 7-Zip on Windows) use the
// system code page.
#pragma once

#include <unicode/ucnv.h>
#include <unicode/unistr.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace unpackd {

// The canonical name for a user-supplied one ("CP949", "euc-kr", "sjis", "cp936" are accepted
// spellings), or nullopt if unpackd does not know it.
std::optional<std::string_view> CanonicalCharsetName(std::string_view name);

// Every canonical name, comma-separated, for usage messages.
std::string KnownCharsetNames();

// Decodes bytes of one character set to UTF-16. Not thread-safe: one instance per thread.
class CharsetDecoder {
 public:
  // `canonical` must come from CanonicalCharsetName(). Throws Error(kInternal) if this ICU
  // build lacks the converter.
  explicit CharsetDecoder(std::string_view canonical);
  CharsetDecoder(const CharsetDecoder&) = delete;
  CharsetDecoder& operator=(const CharsetDecoder&) = delete;

  std::string_view name() const { return name_; }

  // Decodes `raw`. Every illegal or unmapped byte sequence becomes U+FFFD; `*replaced` (if not
  // null) receives how many sequences were replaced, so 0 means the decoding was exact.
  icu::UnicodeString Decode(std::string_view raw, size_t* replaced);

 private:
  struct ConverterCloser {
    void operator()(UConverter* c) const { ucnv_close(c); }
  };
  std::string_view name_;
  std::unique_ptr<UConverter, ConverterCloser> converter_;
  size_t replaced_ = 0;  // written by the ICU callback during Decode()
};

// NFC-normalized UTF-8 of `text` (unpaired surrogates become U+FFFD).
std::string ToNfcUtf8(const icu::UnicodeString& text);

}  // namespace unpackd
