#include "archive/charset_detection.h"

#include <uchardet/uchardet.h>
#include <unicode/uchar.h>
#include <unicode/ucsdet.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <memory>
#include <unordered_set>

#include "archive/legacy_charsets.h"
#include "util/ascii.h"

namespace unpackd {
namespace {

// Characters common in file names and everyday text, one set per language. Written for this
// project from general knowledge of each language (document words: result, report, final,
// data, test, photo, copy, meeting, draft, ...); not derived from any other detector's tables.
// Membership only has to separate "plausible" from "what a wrong decoding produces", so the
// lists are short.
constexpr std::string_view kFrequentHangul =
    "이의다는에을하고가한로지서기사리대정자도보수일시인나어아제전과를게해상여장주요부라성면우구"
    "소비경원있국오적화문회내동마신위유조개학만세연저스물발방관무실터계현말분치본생야중체미공교"
    "결최종파목록표안용료업영진음악그림초월년차호번팀프젝트데백테임새폴더바탕복설재청양식검토합"
    "통운평산예매출입금액견노래강험답논약후객명단소락처메모달력작완버편집녹들때것없았었겠습니까"
    "네던며와께은에게테하기능개선정리참고자료사용법안내학생선생님엄빠가족여행휴가집회사친구"
    "각간갈감갑강객거건걸검겨격공곡골관광구군굴권귀규균극근글급긴길김까꼬꽃끝난날남너널녀녹놀"
    "농누눈느늘능니담당더독돌되된될두둘뒤드득든등디따떤또뜻락란람랑략량러런렇레려력련렬령례론"
    "루류륙률르른름린림립막많망머먹메몸못뭐민밀박반받밤배버번벌범법벽변별병복볼봄봉북불빛산살"
    "삼새석선섬속손송숙순술쉬슬습승식심십싸쓰씨악알암압앞애억언얼엄역열염예옥온올옷완왕외욕"
    "운울월육윤응익입잔잘적절점접족존좋죽준즉즐직질짓징착찬참창책천철청촌총추축춘충취측층친"
    "칠침카커코크큰키타탁탄태토투특틀판팔패편평포품풍피필학할함항핵했행향허헌험혈협형혜혹혼"
    "홍확환활황효훈휴흐흑흥희흰히힘";
constexpr std::string_view kFrequentHanzi =
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学"
    "对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头"
    "面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向"
    "情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信"
    "北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难"
    "神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物"
    "台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指"
    "思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运测试据图片告终版料"
    "备份项格照视频乐建夹同简历议录通知说明划案模板设附副改稿草票工户单客参考图销售价财务预"
    "库存产购买卖订货物流程序软硬网络系统服器端口号码账密钥证书申请审批考核绩效培训课讲笔"
    "习题答卷材料汇季周月度年终总旅游相册毕业家庭下载样本备忘档案归类别整理索引编辑录像采访"
    "纸标志横幅缩略原运冬春秋夏暑假猫狗提企交验收出差休条品集稿园职证明复制粘贴删除保存打印"
    "扫描屏幕截视窗户房间厨卫浴客厅卧室办公楼层电梯停车场医院药店超市银行学校幼儿园大学中小"
    "班级老师同学朋友爸妈哥姐弟妹爷奶孩宝贝生日快乐节假期寒暑春夏秋冬年月日周星期今明昨早晚";
constexpr std::string_view kFrequentKanji =
    "日一国人年大十二本中長出三時行見月分後前生五間上東四今金九入学高円子外八六下来気小七山話女"
    "北午百書先名川千水半男西電校語土木聞食車何南万毎白天母火右読友左休父雨結果資料写真動画新規"
    "文報告最終版会議事録計設定表覧作成提用確認済案内申請積求発注納品契約添付履歴試験問題解答部署"
    "社員簿住所連絡売予算管理仕様手順説明開変更修正旧原稿像音楽映保存削除全体業務情集図面製品企"
    "参考義講習題宿卒旅族家庭顧客期間週次第回目版権利用者様式願届申込購入注文在庫商品価格";

using CharSet = std::unordered_set<UChar32>;

CharSet MakeCharSet(std::string_view utf8) {
  CharSet set;
  const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) set.insert(text.char32At(i));
  return set;
}

bool IsHangulSyllable(UChar32 c) { return c >= 0xAC00 && c <= 0xD7A3; }
bool IsKana(UChar32 c) { return c >= 0x3041 && c <= 0x30FF; }
bool IsHalfwidthKatakana(UChar32 c) { return c >= 0xFF61 && c <= 0xFF9F; }
bool IsFullwidthAscii(UChar32 c) { return c >= 0xFF01 && c <= 0xFF5E; }
bool IsCjkPunctuation(UChar32 c) { return c >= 0x3000 && c <= 0x303F; }
bool IsCjkIdeograph(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  return uscript_getScript(c, &status) == USCRIPT_HAN && u_isalpha(c);
}
bool IsAsciiLetter(UChar32 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsLatinLetter(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  return c >= 0x80 && u_isalpha(c) && uscript_getScript(c, &status) == USCRIPT_LATIN;
}

// Encodes one code point in `converter`'s charset; empty if it has no mapping there.
std::string EncodeChar(UConverter* converter, UChar32 c) {
  UChar units[2];
  int32_t length = 0;
  U16_APPEND_UNSAFE(units, length, c);
  char out[8];
  UErrorCode status = U_ZERO_ERROR;
  ucnv_resetFromUnicode(converter);
  const int32_t n = ucnv_fromUChars(converter, out, sizeof(out), units, length, &status);
  if (U_FAILURE(status)) return {};
  return std::string(out, static_cast<size_t>(n));
}

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

// A converter that fails (instead of substituting) on unmappable characters, for asking
// "which row of the code page is this character in".
ConverterPtr OpenStrictEncoder(const char* icu_name) {
  UErrorCode status = U_ZERO_ERROR;
  ConverterPtr converter(ucnv_open(icu_name, &status));
  if (U_FAILURE(status)) return nullptr;
  ucnv_setFromUCallBack(converter.get(), UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr,
                        &status);
  return converter;
}

// What makes a run of Cyrillic letters read as Russian, for telling the right one of three
// Cyrillic code pages (and the double-byte ones) apart. Russian has only 33 letters, so single
// letters say little; which letter may follow which says a lot. Written for this project from
// the spelling rules every Russian schoolbook teaches (no "ы" after a vowel or after к/г/х/ж/
// ш/ч/щ, "ь" and "ъ" only after a consonant, "й" only after a vowel, "ъ" only before е/ё/ю/я)
// and from general knowledge of which consonant clusters are common; not taken from any
// detector's tables.
constexpr std::string_view kRussianVowels = "аеёиоуыэюя";
// Consonant pairs found often inside words, in roots or where a prefix or suffix meets one, and
// the doubled consonants ("касса", "группа", "ванна").
constexpr std::string_view kRussianClusters =
    "бб вв дд жж зз кк лл мм нн пп рр сс тт фф "
    "бл бн бр бс бщ вг вд вз вк вл вм вн вп вр вс вт вх вч вш гл гн гр дв дл дм дн др дц жд "
    "жн зб зв зг зд зк зл зм зн зр кв кл кн кр кс кт лб лв лг лд лж лз лк лм лн лп лс лт лф лх "
    "лц лч лш мб мв мк мл мн мп мр мс мт мф нг нд нж нз нк нс нт нф нц нч нш нщ пл пн пр пс пт "
    "рб рв рг рд рж рз рк рл рм рн рп рс рт рф рх рц рч рш сб св сг сд ск сл см сн сп ср ст сх "
    "сц сч тв тк тл тм тн тр тс тч фл фр фт хв хл хм хн хр хт цк чк чн чт шк шл шн шт щн";
// Vowel pairs that are common (mostly an ending after a stem vowel: "ие", "ая", "ую").
constexpr std::string_view kRussianVowelPairs =
    "аа ае аи ао ау аю ая ее еи ео ею ея иа ие ии ио иу ию ия оа ое ои оо оу ою оя уа уе уи "
    "ую уя ые юа юе яе";
// One-letter words: the prepositions and conjunctions "а в и к о с у я".
constexpr std::string_view kRussianOneLetterWords = "авиксоуя";

// A consonant then a vowel, or a vowel then a consonant: the backbone of Russian syllables.
constexpr int kSyllable = 3;
// What every word pays: a two-letter word, which is what one double-byte character becomes
// when read a byte at a time, earns at most 1, so it cannot outweigh a plausible CJK reading.
constexpr int kWordCost = 2;
constexpr int kRussianLetters = 33;  // а..я in Unicode order as 0..31, then ё
int RussianIndex(UChar32 lower) {
  if (lower >= 0x430 && lower <= 0x44F) return static_cast<int>(lower - 0x430);
  return lower == 0x451 ? 32 : -1;
}

// Ukrainian and Belarusian letters cp1251 and cp866 also hold: neither Russian nor a sign of a
// wrong decoding on their own.
bool IsNeighbourCyrillic(UChar32 c) {
  const UChar32 lower = u_tolower(c);
  return lower == 0x454 || lower == 0x456 || lower == 0x457 || lower == 0x45E || lower == 0x491;
}

// Punctuation that cp1251/cp866 names really contain; every other symbol of the upper half is
// box drawing, math or a control, which is how CJK bytes look in those code pages.
bool IsNamePunctuation(UChar32 c) {
  return c == 0x2116 || c == 0xAB || c == 0xBB || c == 0x2013 || c == 0x2014;
}

class RussianScorer {
 public:
  RussianScorer() {
    const std::vector<UChar32> vowels = CodePoints(kRussianVowels);
    for (UChar32 v : vowels) vowel_.set(static_cast<size_t>(RussianIndex(v)));
    for (UChar32 c : CodePoints(kRussianOneLetterWords)) {
      one_letter_words_.set(static_cast<size_t>(RussianIndex(c)));
    }
    for (int a = 0; a < kRussianLetters; ++a) {
      for (int b = 0; b < kRussianLetters; ++b) pair_[a][b] = static_cast<int8_t>(Rule(a, b));
    }
    MarkCommon(kRussianClusters, 1);
    MarkCommon(kRussianVowelPairs, 1);
  }

  long Score(const icu::UnicodeString& text) const {
    long score = 0;
    std::vector<UChar32> word;
    for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
      const UChar32 c = text.char32At(i);
      if (u_isalpha(c)) {
        word.push_back(c);
        continue;
      }
      score += Word(word);
      word.clear();
      if (c >= 0x80 && !IsNamePunctuation(c)) score -= 2;
    }
    return score + Word(word);
  }

 private:
  static std::vector<UChar32> CodePoints(std::string_view utf8) {
    const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
        icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
    std::vector<UChar32> out;
    for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
      if (text.char32At(i) != ' ') out.push_back(text.char32At(i));
    }
    return out;
  }

  static int Index(char16_t c) { return RussianIndex(c); }
  bool IsVowel(int i) const { return vowel_.test(static_cast<size_t>(i)); }
  static bool In(int i, std::u16string_view letters) {
    for (char16_t c : letters) {
      if (Index(c) == i) return true;
    }
    return false;
  }

  // The spelling rules, for a letter `b` right after a letter `a` inside a word.
  int Rule(int a, int b) const {
    constexpr std::u16string_view kSigns = u"ьъ";
    const bool a_consonant = !IsVowel(a) && !In(a, kSigns) && !In(a, u"й");
    if (b == Index(u'ы')) return !a_consonant ? -3 : In(a, u"кгхжшчщ") ? -2 : kSyllable;
    if (b == Index(u'ь')) return !a_consonant ? -3 : In(a, u"кгхц") ? -2 : 1;
    if (b == Index(u'ъ')) return a_consonant ? 0 : -3;
    if (b == Index(u'й')) return IsVowel(a) ? kSyllable : -3;
    if (a == Index(u'ъ')) return In(b, u"еёюя") ? 2 : -3;
    if (a == Index(u'ь')) return !IsVowel(b) || In(b, u"еёиюяо") ? 1 : -2;
    if (a == Index(u'й')) return IsVowel(b) ? -1 : 1;
    if (a_consonant && IsVowel(b)) {
      if (In(b, u"яю") && In(a, u"жшчщкгхц")) return -2;
      return b == Index(u'э') ? 0 : kSyllable;
    }
    if (IsVowel(a) && !IsVowel(b)) return kSyllable;
    return -1;  // two vowels or two consonants, unless listed as common
  }

  // Lifts listed pairs of two vowels or two consonants above the rules' default.
  void MarkCommon(std::string_view pairs, int score) {
    const std::vector<UChar32> letters = CodePoints(pairs);
    for (size_t i = 0; i + 1 < letters.size(); i += 2) {
      pair_[RussianIndex(letters[i])][RussianIndex(letters[i + 1])] = static_cast<int8_t>(score);
    }
  }

  // One run of letters. Russian words are written in lower case, capitalised or in capitals;
  // any other mix, or Cyrillic glued to Latin letters, is a double-byte name read a byte at a
  // time.
  long Word(const std::vector<UChar32>& word) const {
    int ascii = 0, foreign = 0, neighbour = 0, upper = 0, lower_after_first = 0;
    for (size_t i = 0; i < word.size(); ++i) {
      const UChar32 c = word[i];
      if (c < 0x80) {
        ++ascii;
      } else if (IsNeighbourCyrillic(c)) {
        ++neighbour;
      } else if (RussianIndex(u_tolower(c)) < 0) {
        ++foreign;
      }
      if (u_isupper(c)) ++upper;
      if (i > 0 && u_islower(c)) ++lower_after_first;
    }
    const long non_ascii = static_cast<long>(word.size()) - ascii;
    if (non_ascii == 0) return 0;
    const auto size = static_cast<int>(word.size());
    const bool case_ok = upper == size || lower_after_first == size - 1;
    if (ascii > 0 || foreign > 0 || !case_ok) return -2 * non_ascii;

    if (size == 1) {
      const int i = RussianIndex(u_tolower(word[0]));
      return i >= 0 && one_letter_words_.test(static_cast<size_t>(i)) ? 1 : -1;
    }
    long score = -neighbour;
    bool has_vowel = false;
    int previous = -1;
    for (size_t i = 0; i < word.size(); ++i) {
      const int index = RussianIndex(u_tolower(word[i]));
      if (index >= 0) {
        has_vowel = has_vowel || IsVowel(index);
        if (previous >= 0) {
          score += pair_[previous][index];
        } else if (i == 0 && In(index, u"ьъы")) {
          score -= 3;  // no Russian word starts with these
        }
      }
      previous = index;
    }
    // Capitals without a vowel are abbreviations (НДФЛ, ЖКХ); lower-case words have a vowel.
    if (!has_vowel && size >= 3 && upper != size) score -= 3;
    return score - kWordCost;
  }

  std::bitset<kRussianLetters> vowel_;
  std::bitset<kRussianLetters> one_letter_words_;
  std::array<std::array<int8_t, kRussianLetters>, kRussianLetters> pair_{};
};

bool IsCyrillicCharset(std::string_view charset) {
  return charset == "cp1251" || charset == "koi8-r" || charset == "cp866";
}

// Scores one decoded name for one candidate; see the header for the idea.
class Scorer {
 public:
  Scorer()
      : hangul_(MakeCharSet(kFrequentHangul)),
        hanzi_(MakeCharSet(kFrequentHanzi)),
        kanji_(MakeCharSet(kFrequentKanji)),
        euc_kr_(OpenStrictEncoder("ibm-970_P110_P110-2006_U2")),
        gbk_(OpenStrictEncoder("windows-936-2000")),
        sjis_(OpenStrictEncoder("ibm-943_P15A-2003")) {}

  long Score(std::string_view charset, const icu::UnicodeString& text) {
    if (IsCyrillicCharset(charset)) return russian_.Score(text);
    long score = 0;
    UChar32 previous = 0;
    for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
      const UChar32 c = text.char32At(i);
      const int32_t next_index = text.moveIndex32(i, 1);
      const UChar32 next = next_index < text.length() ? text.char32At(next_index) : 0;
      if (c >= 0x80) {
        // Words are runs of one script: a second letter in a row adds a point, so a lone
        // ideograph among ASCII counts less than a word of them.
        const bool run = previous >= 0x80 && u_isalpha(previous) && u_isalpha(c);
        if (charset == "cp949") {
          score += Korean(c) + (run && IsHangulSyllable(c));
        } else if (charset == "shift_jis") {
          score += Japanese(previous, c, next) + (run && (IsKana(c) || IsCjkIdeograph(c)));
        } else if (charset == "gbk") {
          score += Chinese(c) + (run && IsCjkIdeograph(c));
        } else if (charset == "cp437") {
          score += Western(previous, c, next);
        }
      }
      previous = c;
    }
    return score;
  }

 private:
  int Korean(UChar32 c) {
    if (IsHangulSyllable(c)) {
      if (hangul_.count(c)) return 4;
      return InCoreSet(euc_kr_.get(), c) ? 1 : -3;  // outside KS X 1001: UHC-only syllable
    }
    if (c >= 0x3131 && c <= 0x318E) return 0;  // compatibility jamo (ㅋㅋ, ㅠㅠ)
    if (IsCjkPunctuation(c)) return 0;
    if (IsCjkIdeograph(c)) return -1;  // Hanja: valid but rare in Korean file names
    return -2;
  }

  int Japanese(UChar32 previous, UChar32 c, UChar32 next) {
    // A kanji or kana wedged between ASCII letters ("Cr" + X + "e") is how an accented Latin
    // letter looks in Shift-JIS: its lead byte is the accent, its trail the next letter.
    if (IsAsciiLetter(previous) && IsAsciiLetter(next)) return 0;
    // Kana and kanji outweigh what CP437 gives the same two bytes (Shift-JIS lead bytes are
    // accented Latin letters in CP437, many trail bytes ASCII letters).
    if (IsKana(c)) return 5;
    if (IsCjkIdeograph(c)) {
      if (kanji_.count(c)) return 5;
      const std::string bytes = EncodeChar(sjis_.get(), c);
      if (bytes.size() != 2) return -3;
      const unsigned code =
          (static_cast<unsigned char>(bytes[0]) << 8) | static_cast<unsigned char>(bytes[1]);
      if (code >= 0x889F && code <= 0x9872) return 2;   // JIS level 1
      if (code >= 0x989F && code <= 0xEAA4) return -1;  // JIS level 2
      return -3;                                        // vendor extensions
    }
    if (IsCjkPunctuation(c)) return 0;
    if (IsHalfwidthKatakana(c)) return -2;  // what EUC-KR/GBK lead bytes decode to
    if (IsFullwidthAscii(c)) return -1;
    return -2;
  }

  int Chinese(UChar32 c) {
    if (IsCjkIdeograph(c)) {
      if (hanzi_.count(c)) return 4;
      const std::string bytes = EncodeChar(gbk_.get(), c);
      if (bytes.size() != 2) return -3;
      const auto lead = static_cast<unsigned char>(bytes[0]);
      const auto trail = static_cast<unsigned char>(bytes[1]);
      if (trail < 0xA1) return -3;                  // GBK extension, not GB2312
      if (lead >= 0xB0 && lead <= 0xD7) return 1;   // GB2312 level 1
      if (lead >= 0xD8 && lead <= 0xF7) return -1;  // GB2312 level 2
      return -3;
    }
    if (IsCjkPunctuation(c)) return 0;
    if (IsFullwidthAscii(c)) return -1;
    return -2;
  }

  static int Western(UChar32 previous, UChar32 c, UChar32 next) {
    if (IsLatinLetter(c)) {
      // Shift-JIS trail bytes: an accented letter glued to these is a double-byte pair.
      if (next > 0 && next < 0x80 &&
          std::string_view("@[\\]^`{|}~").find(static_cast<char>(next)) != std::string_view::npos) {
        return -1;
      }
      // ...and so is one followed by an upper-case ASCII letter inside a lower-case word.
      const bool upper_before = u_isupper(previous);
      if (next >= 'A' && next <= 'Z' && !upper_before) return -1;
      // Accents sit among ASCII letters ("Müller", "Crème"); runs of accented letters are what
      // Shift-JIS kana look like in CP437 ("âüâé").
      const int ascii_neighbours = IsAsciiLetter(previous) + IsAsciiLetter(next);
      const bool starts_word = !IsAsciiLetter(previous) && !IsLatinLetter(previous);
      if (starts_word && u_isupper(c) && next >= 'a' && next <= 'z') return 3;  // "Über"
      if (ascii_neighbours == 2) return 3;
      if (ascii_neighbours == 1) return 2;
      return IsLatinLetter(previous) || IsLatinLetter(next) ? 0 : 1;
    }
    if (c == 0xA3 || c == 0xA5 || c == 0xB0 || c == 0xA7) return 0;  // £ ¥ ° §
    if (c >= 0xA0 && c <= 0xBF) return -1;                           // other Latin-1 punctuation
    return -2;  // box drawing, Greek, math: what CJK text decoded as CP437 looks like
  }

  static bool InCoreSet(UConverter* converter, UChar32 c) {
    return converter != nullptr && !EncodeChar(converter, c).empty();
  }

  RussianScorer russian_;
  CharSet hangul_;
  CharSet hanzi_;
  CharSet kanji_;
  ConverterPtr euc_kr_;
  ConverterPtr gbk_;
  ConverterPtr sjis_;
};

// What uchardet and ICU's detector say about all names joined by newlines, mapped to our
// canonical names (empty when they say nothing we can use).
std::vector<std::string> DetectorOpinions(const std::vector<std::string_view>& names) {
  constexpr size_t kMaxSample = 64 * 1024;
  std::string joined;
  for (std::string_view name : names) {
    if (joined.size() + name.size() + 1 > kMaxSample) break;
    joined.append(name);
    joined.push_back('\n');
  }
  std::vector<std::string> opinions;
  const auto map_name = [](std::string_view detected) -> std::string {
    const std::string lower = AsciiLower(detected);
    if (lower == "euc-kr" || lower == "uhc" || lower == "cp949" || lower == "iso-2022-kr") {
      return "cp949";
    }
    if (lower == "shift_jis" || lower == "cp932" || lower == "euc-jp") return "shift_jis";
    if (lower == "gb18030" || lower == "gb2312" || lower == "gbk") return "gbk";
    if (lower == "windows-1251") return "cp1251";
    if (lower == "koi8-r") return "koi8-r";
    if (lower == "ibm866") return "cp866";
    if (lower == "utf-8") return "utf-8";
    return {};
  };

  struct UchardetCloser {
    void operator()(uchardet_t u) const { uchardet_delete(u); }
  };
  std::unique_ptr<std::remove_pointer_t<uchardet_t>, UchardetCloser> ud(uchardet_new());
  if (ud && uchardet_handle_data(ud.get(), joined.data(), joined.size()) == 0) {
    uchardet_data_end(ud.get());
    if (const char* charset = uchardet_get_charset(ud.get()); charset != nullptr) {
      opinions.push_back(map_name(charset));
    }
  }

  struct DetectorCloser {
    void operator()(UCharsetDetector* d) const { ucsdet_close(d); }
  };
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, DetectorCloser> detector(ucsdet_open(&status));
  if (U_SUCCESS(status)) {
    ucsdet_setText(detector.get(), joined.data(), static_cast<int32_t>(joined.size()), &status);
    const UCharsetMatch* match = ucsdet_detect(detector.get(), &status);
    if (U_SUCCESS(status) && match != nullptr) {
      const int32_t confidence = ucsdet_getConfidence(match, &status);
      const char* name = ucsdet_getName(match, &status);
      if (U_SUCCESS(status) && name != nullptr && confidence >= 30) {
        opinions.push_back(map_name(name));
      }
    }
  }
  return opinions;
}

// How strongly names that decode exactly as UTF-8 look like UTF-8. A 3- or 4-byte sequence
// is proof enough (legacy double-byte text almost never forms one); text made only of 2-byte
// sequences (U+0080..U+07FF) can be a chance match of CP949/GBK bytes, so it only counts when
// each name's letters stay in one script, as real Latin, Greek or Cyrillic names do.
struct Utf8Evidence {
  bool conclusive = false;
  // Every non-ASCII character could also be CP866 Russian letters; see MayBeCp866Letters.
  bool only_cp866_shaped = false;
  long score = 0;  // used when not conclusive
};

// CP866 keeps "р".."я" and "ё" at 0xE0..0xF1, which UTF-8 takes for lead bytes, and the other
// letters at 0x80..0xAF, which it takes for continuation bytes, so a short lower-case Russian
// word ("сад", "Ёлка") can be valid UTF-8. A character whose continuation bytes all lie in
// 0x80..0xAF proves UTF-8 only when it is one real names are made of: ideographs of the BMP,
// kana, Hangul (so CJK names keep their UTF-8 reading even where a CP866 one exists: "室" is
// also "ход") and emoji.
bool MayBeCp866Letters(UChar32 c) {
  const bool low_continuations =
      (c & 0x3F) < 0x30 && ((c >> 6) & 0x3F) < 0x30 && (c < 0x10000 || ((c >> 12) & 0x3F) < 0x30);
  const bool name_character = (c < 0x10000 && (IsCjkIdeograph(c) || IsKana(c) ||
                                               IsHangulSyllable(c) || IsCjkPunctuation(c))) ||
                              (c >= 0x1F000 && c <= 0x1FAFF);
  return low_continuations && !name_character;
}

Utf8Evidence JudgeUtf8(const std::vector<icu::UnicodeString>& texts) {
  Utf8Evidence evidence;
  int single_script_letters = 0;
  bool long_sequence = false;
  bool not_cp866 = false;  // a character CP866 Russian cannot spell, or one it need not be
  for (const icu::UnicodeString& text : texts) {
    UScriptCode script = USCRIPT_COMMON;
    bool mixed = false;
    int letters = 0;
    UChar32 previous = 0;
    for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
      const UChar32 c = text.char32At(i);
      if (c >= 0x800) long_sequence = true;
      // CP866 Russian never forms a 2-byte sequence: its lead bytes 0xC2..0xDF are box drawing.
      if (c >= 0x80 && (c < 0x800 || !MayBeCp866Letters(c))) not_cp866 = true;
      if (c >= 0x80) {
        UErrorCode status = U_ZERO_ERROR;
        const UScriptCode s = uscript_getScript(c, &status);
        if (s == USCRIPT_INHERITED) {
          // A combining mark on an ASCII letter: a decomposed (macOS) accent.
          if (IsAsciiLetter(previous) || IsLatinLetter(previous)) ++letters;
        } else if (s != USCRIPT_COMMON && u_isalpha(c)) {
          if (script != USCRIPT_COMMON && script != s) mixed = true;
          script = s;
          ++letters;
        } else {
          mixed = true;  // symbols and punctuation from U+0080..U+07FF
        }
      }
      previous = c;
    }
    if (mixed) {
      evidence.score -= 2 * letters + 2;
    } else {
      evidence.score += 3 * letters;
      single_script_letters += letters;
    }
  }
  const bool single_script = single_script_letters >= 2 && evidence.score > 0;
  evidence.conclusive = long_sequence || single_script;
  evidence.only_cp866_shaped = long_sequence && !not_cp866;
  return evidence;
}

struct CandidateResult {
  std::string_view charset;
  bool exact = true;  // every name decodes without an illegal or unmapped sequence
  long score = 0;
};

// Decodes every name as `charset` (not UTF-8) and adds up the scorer's verdicts.
CandidateResult JudgeCandidate(std::string_view charset, const std::vector<std::string_view>& names,
                               Scorer& scorer) {
  CharsetDecoder decoder(charset);
  CandidateResult result{charset};
  for (std::string_view name : names) {
    size_t replaced = 0;
    const icu::UnicodeString text = decoder.Decode(name, &replaced);
    if (replaced != 0) {
      result.exact = false;
      break;
    }
    result.score += scorer.Score(charset, text);
  }
  return result;
}

}  // namespace

CharsetGuess DetectNameCharset(const std::vector<std::string_view>& all_names) {
  if (all_names.empty()) return {"cp437", "no non-ASCII legacy names"};
  // Thousands of names settle the question; judging an evenly spread sample keeps a
  // two-million-entry archive from costing seconds here.
  constexpr size_t kMaxSample = 8192;
  std::vector<std::string_view> sample;
  if (all_names.size() > kMaxSample) {
    sample.reserve(kMaxSample);
    for (size_t i = 0; i < kMaxSample; ++i) {
      sample.push_back(all_names[i * all_names.size() / kMaxSample]);
    }
  }
  const std::vector<std::string_view>& names = sample.empty() ? all_names : sample;

  constexpr std::array<std::string_view, 8> kCandidates = {
      "utf-8", "cp949", "shift_jis", "gbk", "cp1251", "koi8-r", "cp866", "cp437"};
  Scorer scorer;
  std::vector<CandidateResult> results;
  bool utf8_or_cp866 = false;
  for (std::string_view charset : kCandidates) {
    if (charset != "utf-8") {
      results.push_back(JudgeCandidate(charset, names, scorer));
      continue;
    }
    CharsetDecoder decoder(charset);
    CandidateResult result{charset};
    std::vector<icu::UnicodeString> texts;
    for (std::string_view name : names) {
      size_t replaced = 0;
      texts.push_back(decoder.Decode(name, &replaced));
      if (replaced != 0) {
        result.exact = false;
        break;
      }
    }
    if (result.exact) {
      const Utf8Evidence evidence = JudgeUtf8(texts);
      // Where the UTF-8 could be CP866 and that reads as Russian, the two compete on score.
      if (evidence.conclusive &&
          (!evidence.only_cp866_shaped || JudgeCandidate("cp866", names, scorer).score <= 0)) {
        return {"utf-8", "every name is valid UTF-8 (without the UTF-8 flag)"};
      }
      utf8_or_cp866 = evidence.conclusive;
      result.score = evidence.score;
    }
    results.push_back(result);
  }

  const std::vector<std::string> opinions = DetectorOpinions(names);
  constexpr long kDetectorBonus = 3;
  for (CandidateResult& result : results) {
    if (!result.exact || result.charset == "cp437") continue;
    // Both detectors call any valid UTF-8 UTF-8, which is no help against CP866.
    if (utf8_or_cp866 && result.charset == "utf-8") continue;
    for (const std::string& opinion : opinions) {
      if (opinion == result.charset) result.score += kDetectorBonus;
    }
  }

  // cp437 is last and always exact; everything else must beat it (and zero) strictly.
  const CandidateResult& cp437 = results.back();
  const CandidateResult* best = &cp437;
  for (const CandidateResult& result : results) {
    if (!result.exact || result.charset == "cp437") continue;
    if (result.score > std::max(best->score, 0L) && result.score > cp437.score) best = &result;
  }

  std::string reason = "detected over " + std::to_string(names.size()) + " name(s); scores:";
  for (const CandidateResult& result : results) {
    reason += " " + std::string(result.charset) + "=";
    reason += result.exact ? std::to_string(result.score) : std::string("invalid");
  }
  if (!opinions.empty()) {
    reason += "; detectors:";
    for (const std::string& opinion : opinions) reason += " " + (opinion.empty() ? "?" : opinion);
  }
  return {std::string(best->charset), reason};
}

}  // namespace unpackd
