// Cutting UTF-8 on character boundaries: Korean text never loses half a character.
#include "notify/utf8_text.h"

#include <gtest/gtest.h>

#include "notify/slack_limits.h"

namespace unpackd::notify {
namespace {

using testing::IsWellFormedUtf8;

TEST(NotifyUtf8TextTest, LengthCountsCharactersAndAstralOnesTwice) {
  EXPECT_EQ(Utf16Length("abc"), 3u);
  EXPECT_EQ(Utf16Length("보고서"), 3u);      // 9 bytes, 3 characters
  EXPECT_EQ(Utf16Length("\U0001F4E6"), 2u);  // a package emoji: a surrogate pair
  EXPECT_EQ(Utf16Length("\xff\xfe"), 2u);    // invalid bytes count one each
}

TEST(NotifyUtf8TextTest, TextWithinTheLimitIsUnchanged) {
  EXPECT_EQ(TruncateChars("보고서", 3), "보고서");
}

TEST(NotifyUtf8TextTest, KoreanIsCutBetweenCharactersWithAnEllipsis) {
  std::string korean;
  for (int i = 0; i < 5000; ++i) korean += "한";
  const std::string cut = TruncateChars(korean, 150);
  EXPECT_EQ(Utf16Length(cut), 150u);
  EXPECT_TRUE(IsWellFormedUtf8(cut));
  EXPECT_EQ(cut, korean.substr(0, 149 * 3) + "…");
}

TEST(NotifyUtf8TextTest, AnAstralCharacterIsNotSplitAtTheBoundary) {
  const std::string text = "ab\U0001F4E6cd";       // units: a b [2] c d = 6
  const std::string cut = TruncateChars(text, 4);  // room for 3 before the ellipsis
  EXPECT_EQ(cut, "ab…");                           // the emoji needs 2 of the 1 left
  EXPECT_TRUE(IsWellFormedUtf8(cut));
}

TEST(NotifyUtf8TextTest, ByteTruncationKeepsWholeCharacters) {
  const std::string cut = TruncateBytes("가나다라", 7);  // 3 bytes each: 2 fit
  EXPECT_EQ(cut, "가나…");
  EXPECT_EQ(TruncateBytes("short", 200), "short");
  EXPECT_EQ(TruncateChars("anything", 0), "");
}

}  // namespace
}  // namespace unpackd::notify
