// S3 sequencers: AWS's rule (right-pad the shorter with zeros, then compare as hex).
#include "util/s3_sequencer.h"

#include <gtest/gtest.h>

namespace unpackd {
namespace {

TEST(S3SequencerTest, EqualLengthsCompareAsHex) {
  EXPECT_LT(CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E6"), 0);
  EXPECT_GT(CompareSequencers("0055AED6DCD90281E6", "0055AED6DCD90281E5"), 0);
  EXPECT_EQ(CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E5"), 0);
  EXPECT_LT(CompareSequencers("09", "0A"), 0);  // digits sort before letters, as in hex
}

TEST(S3SequencerTest, ShorterIsRightPaddedSoLongerIsNotNecessarilyNewer) {
  EXPECT_GT(CompareSequencers("0056", "0055AED6DCD90281E5"), 0);
  EXPECT_LT(CompareSequencers("0055", "0055AED6DCD90281E5"), 0);
  EXPECT_EQ(CompareSequencers("0055A", "0055A000"), 0);
}

TEST(S3SequencerTest, CaseDoesNotMatter) {
  EXPECT_EQ(CompareSequencers("617f08299329d189", "617F08299329D189"), 0);
}

TEST(S3SequencerTest, UnknownOrderComparesEqual) {
  EXPECT_EQ(CompareSequencers("", "0055"), 0);
  EXPECT_EQ(CompareSequencers("0055", ""), 0);
  EXPECT_EQ(CompareSequencers("zz", "AB"), 0);
}

TEST(S3SequencerTest, NormalizedValuesOrderByteWise) {
  EXPECT_EQ(NormalizeSequencer("0055aec5f6a0a1b2c300"), "0055AEC5F6A0A1B2C3");
  EXPECT_EQ(NormalizeSequencer("000"), "0");
  EXPECT_EQ(NormalizeSequencer(""), "");
  EXPECT_EQ(NormalizeSequencer("12G4"), "");
  EXPECT_EQ(NormalizeSequencer(" 12"), "");
  const char* ordered[] = {"0", "0055", "0055A", "0055AED6DCD90281E5", "0056", "09", "0A", "F"};
  for (size_t i = 0; i + 1 < std::size(ordered); ++i) {
    EXPECT_LT(NormalizeSequencer(ordered[i]), NormalizeSequencer(ordered[i + 1])) << ordered[i];
    EXPECT_LT(CompareSequencers(ordered[i], ordered[i + 1]), 0) << ordered[i];
  }
}

}  // namespace
}  // namespace unpackd
