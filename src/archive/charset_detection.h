// Guesses the one legacy character set an archive's non-UTF-8 member names were written in.
//
// ZIP has no field for it: tools write the OEM code page of the machine that made the archive
// (CP437 on western Windows, CP949 on Korean Windows and ALZip/Bandizip, Shift-JIS (CP932) on
// Japanese Windows, GBK on Chinese Windows) and some (macOS, Linux Info-ZIP) write UTF-8 without
// setting the UTF-8 flag. All names of one archive normally share one encoding, so they are
// judged together: many short names give far more evidence than any single one.
//
// Heuristic, in order:
//  1. If every name is valid UTF-8 and the multi-byte sequences make a chance match unlikely
//     (a 3- or 4-byte sequence, or at least two 2-byte ones), the names are UTF-8: legacy
//     double-byte text is almost never valid UTF-8.
//  2. Every candidate (cp949, shift_jis, gbk) that decodes EVERY name strictly (no illegal or
//     unmapped sequence) is scored by script plausibility, per decoded non-ASCII character:
//     characters from a short list of frequent ones in that language score highest, the core
//     character set (KS X 1001 Hangul, JIS level-1 kanji and full-width kana, GB2312 level-1
//     hanzi) scores a little, and what a wrong decoding typically produces (UHC-only Hangul,
//     GBK-only hanzi, JIS level-2 kanji, half-width katakana, symbols, Hanja in Korean names)
//     scores negatively. CP437 always decodes; it scores Latin letters with diacritics
//     (higher between ASCII letters) and penalises box drawing, Greek and math symbols.
//  3. uchardet and ICU's CharsetDetector are asked about all names joined by newlines; a
//     candidate they name gets a bonus. They are reliable on long inputs and merely break ties
//     on short ones.
//  4. The best positive score wins; CP437 (APPNOTE's default) wins ties and when nothing scores
//     above it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace unpackd {

struct CharsetGuess {
  std::string charset;  // canonical name: "utf-8", "cp437", "cp949", "shift_jis" or "gbk"
  std::string reason;   // one line, for logs and `inspect`
};

// `names` are raw names that are not pure ASCII. An empty list yields "cp437". Archives with
// more than 8192 such names are judged on an evenly spread sample of 8192; a name outside the
// sample that the chosen encoding cannot decode is then decoded lossily (and reported by the
// caller). Thread-safe.
CharsetGuess DetectNameCharset(const std::vector<std::string_view>& names);

}  // namespace unpackd
