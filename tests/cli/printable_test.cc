#include "cli/printable.h"

#include <gtest/gtest.h>

namespace unpackd {
namespace {

TEST(PrintableTest, EscapesC0DelC1AndInvalidBytesOnly) {
  EXPECT_EQ(Printable("a\nmanifest: forged"), "a\\nmanifest: forged");
  EXPECT_EQ(Printable("\r\t\x1b[31mred\x7f"), "\\r\\t\\x1b[31mred\\x7f");
  EXPECT_EQ(Printable(std::string("nul\0here", 8)), "nul\\x00here");
  EXPECT_EQ(Printable("next\u0085line \u009b"), "next\\u0085line \\u009b");
  EXPECT_EQ(Printable("bad \xff\xc2 end"), "bad \\xff\\xc2 end");
  EXPECT_EQ(Printable("\xc0\xaf overlong, \xed\xa0\x80 surrogate"),
            "\\xc0\\xaf overlong, \\xed\\xa0\\x80 surrogate");
  // Everything else is kept: backslashes, accents, Hangul, emoji.
  EXPECT_EQ(Printable("dir\\결과 é 😀.txt"), "dir\\결과 é 😀.txt");
}

}  // namespace
}  // namespace unpackd
