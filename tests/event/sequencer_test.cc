// CompareSequencers: AWS's rule (right-pad the shorter with zeros, then compare).
#include <gtest/gtest.h>

#include "event/event_message.h"

namespace unpackd {
namespace {

TEST(SequencerTest, EqualLengthsCompareAsHex) {
  EXPECT_LT(CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E6"), 0);
  EXPECT_GT(CompareSequencers("0055AED6DCD90281E6", "0055AED6DCD90281E5"), 0);
  EXPECT_EQ(CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E5"), 0);
  EXPECT_LT(CompareSequencers("09", "0A"), 0);  // digits sort before letters, as in hex
}

TEST(SequencerTest, ShorterIsRightPaddedSoLongerIsNotNecessarilyNewer) {
  EXPECT_GT(CompareSequencers("0056", "0055AED6DCD90281E5"), 0);
  EXPECT_LT(CompareSequencers("0055", "0055AED6DCD90281E5"), 0);
  EXPECT_EQ(CompareSequencers("0055A", "0055A000"), 0);
}

TEST(SequencerTest, CaseDoesNotMatter) {
  EXPECT_EQ(CompareSequencers("617f08299329d189", "617F08299329D189"), 0);
}

TEST(SequencerTest, EmptyMeansUnknownOrder) {
  EXPECT_EQ(CompareSequencers("", "0055"), 0);
  EXPECT_EQ(CompareSequencers("0055", ""), 0);
}

}  // namespace
}  // namespace unpackd
