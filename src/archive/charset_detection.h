// Guesses the one legacy character set an archive's non-UTF-8 member names were written in.
//
// ZIP has no field for it: tools write the OEM code page of the machine that made the archive
// (CP437 on western Windows, CP949 on Korean Windows and ALZip/Bandizip, Shift-JIS (CP932) on
// Japanese Windows, GBK on Chinese Windows, CP866 on Russian Windows), some tools the ANSI code
// page instead (CP1251 on Russian Windows), old Unix systems KOI8-R, and some (macOS, Linux
// Info-ZIP) write UTF-8 without setting the UTF-8 flag. All names of one archive normally share
// one encoding, so they are judged together: many short names give far more evidence than any
// single one.
//
// Heuristic, in order:
//  1. UTF-8 without the flag: if every name is valid UTF-8 and either some sequence is 3 or 4
//     bytes long (legacy double-byte text almost never forms one) or the 2-byte-only names keep
//     their letters in one script (real Latin/Greek/Cyrillic names do; CP949/GBK bytes that
//     happen to pair up give a mix of Greek, Armenian, IPA, ...), the names are UTF-8.
//     One exception: CP866 puts "р".."я" and "ё" where UTF-8 has lead bytes and the other
//     letters where it has continuation bytes, so a short Russian word can be valid UTF-8
//     ("сад", "Ёлка"). When every 3-/4-byte character could be such CP866 letters and is not
//     one real names use (BMP ideographs, kana, Hangul, emoji), and the CP866 reading scores
//     above zero, UTF-8 joins the scoring in step 2 instead of winning outright.
//  2. Every other candidate (cp949, shift_jis, gbk, cp1251, koi8-r, cp866) that decodes EVERY
//     name strictly (no illegal or unmapped sequence, via ICU) is scored by script
//     plausibility. The double-byte ones, per decoded non-ASCII character:
//       +4/+5  a character from a short list of frequent ones in that language (file-name and
//              everyday vocabulary, in charset_detection.cc); Japanese kana +5;
//       +1/+2  the core set: KS X 1001 Hangul, GB2312 level-1 hanzi, JIS level-1 kanji;
//       +1     continuing a run of the language's letters (words are runs of one script);
//       <= 0   what a wrong decoding produces: UHC-only Hangul, GBK-only or GB2312 level-2
//              hanzi, JIS level-2 and vendor kanji, half-width katakana, Hanja in Korean names,
//              symbols, Greek/Cyrillic from the double-byte rows.
//     The Cyrillic ones, per word (run of letters), since Russian letters are single bytes and
//     almost every pair of them is also a valid CJK character:
//       -2 per letter  the word mixes cases other than "слово", "Слово" or "СЛОВО", is glued
//              to Latin letters, or holds a Cyrillic letter from outside Russian and its
//              neighbours (Serbian "ђ", "ѓ" are what Shift-JIS and GBK lead bytes become);
//       +3     each consonant-vowel or vowel-consonant step (the backbone of syllables);
//       +1     each common consonant cluster or vowel pair ("ст", "пр", "нн", "ие", "ая");
//       -1..-3 what Russian spelling rules out: "ы" after a vowel or к/г/х/ж/ш/ч/щ, "ь"/"ъ"
//              after a vowel, "й" after a consonant, a word starting with "ь", "ъ" or "ы", a
//              lower-case word of three letters or more without a vowel, other clusters;
//       -2     per word of two letters or more, so a two-letter word (one CJK character read
//              a byte at a time) earns at most 1 and cannot outweigh a CJK reading; a
//              one-letter word is +1 if it is one of "а в и к о с у я", else -1;
//       -2     per box-drawing, math or control character (what CJK bytes become there).
//     Which of the three Cyrillic pages is right follows mostly from case: lower-case Russian
//     is 0xE0..0xFF in CP1251 but 0xC0..0xDF in KOI8-R (capitals the other way round) and
//     0xA0..0xAF/0xE0..0xEF in CP866, whose other readings are box drawing; a name in the
//     wrong one mixes cases or lands on symbols. Lower-case-only and capitals-only names read
//     as the other case in CP1251/KOI8-R and are told apart by the letter pairs alone.
//     CP437 always decodes; it scores Latin letters with diacritics by context (+3 inside an
//     ASCII word or starting one capitalised, +2 next to one ASCII letter, 0 in runs of
//     accented letters, -1 before Shift-JIS trail punctuation or a stray capital) and -2 for
//     box drawing, Greek and math, which is what CJK bytes look like in CP437.
//  3. uchardet and ICU's CharsetDetector are asked about all names joined by newlines; a
//     candidate they name gets +3 (not UTF-8 when it competes with CP866: both call any valid
//     UTF-8 UTF-8). They are reliable on long inputs and merely break ties on short ones.
//  4. The highest score wins if it is above zero and above CP437's; CP437 (APPNOTE's default)
//     wins otherwise. Ties go to the earlier of utf-8, cp949, shift_jis, gbk, cp1251, koi8-r,
//     cp866.
// Measured with Python's codecs on 311 short names in Korean, Japanese, Chinese and German/
// French/Spanish whose words were not used to tune the lists: 97% right as the only name of an
// archive; 151 of 151 archives of three names right. Russian, in each of the three code pages:
// 122 file names (48 of them not used while writing the rules) all right as the only name of
// an archive and in archives of three; 169 everyday words as "word.txt" alone 99% right in
// lower case, 100% capitalised, 90% in capitals; 18,000 random names of 1..4 frequent
// Korean, Chinese or Japanese characters: none taken for Cyrillic.
//
// Known limits for Cyrillic, all on an archive whose only non-ASCII name is very short:
//  - a name of one or two Cyrillic letters ("Я.jpg", "Он.txt") or an abbreviation in capitals
//    ("ИНН.pdf", "СНИЛС.pdf") gives too little evidence: it may go to CP437, to a CJK code
//    page or to the other of CP1251/KOI8-R;
//  - a CP866 name that is also valid UTF-8 for a common ideograph ("ход.txt" is the bytes of
//    "室.txt") stays UTF-8.
// A second name in the archive, or --name-encoding, settles these. The other way round, an
// unflagged UTF-8 name made only of characters that CP866 letters can spell and names rarely
// hold (Mongolian script, Braille, math symbols, Devanagari digits) goes to CP866 when that
// reading is plausible Russian.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace unpackd {

struct CharsetGuess {
  // Canonical name: "utf-8", "cp437", "cp949", "shift_jis", "gbk", "cp1251", "koi8-r" or "cp866".
  std::string charset;
  std::string reason;  // one line, for logs and `inspect`
};

// `names` are raw names that are not pure ASCII. An empty list yields "cp437". Archives with
// more than 8192 such names are judged on an evenly spread sample of 8192; a name outside the
// sample that the chosen encoding cannot decode is then decoded lossily (and reported by the
// caller). Thread-safe.
CharsetGuess DetectNameCharset(const std::vector<std::string_view>& names);

}  // namespace unpackd
