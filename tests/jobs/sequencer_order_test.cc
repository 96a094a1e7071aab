#include "jobs/sequencer_order.h"

#include <gtest/gtest.h>

#include "jobs/job_record.h"

namespace unpackd {
namespace {

TEST(SequencerOrderTest, NormalizeDropsLeadingZerosAndUpperCases) {
  EXPECT_EQ(NormalizeSequencer("0055AEC5F6A0A1B2C3"), "55AEC5F6A0A1B2C3");
  EXPECT_EQ(NormalizeSequencer("00ff"), "FF");
  EXPECT_EQ(NormalizeSequencer("000"), "0");
  EXPECT_EQ(NormalizeSequencer(""), "");
  EXPECT_EQ(NormalizeSequencer("12G4"), "");  // not hex: order unknown
  EXPECT_EQ(NormalizeSequencer(" 12"), "");
}

// Orders as S3 documents: pad the shorter with zeros, then compare.
int Compare(std::string_view a, std::string_view b) {
  return CompareNormalizedSequencers(NormalizeSequencer(a), NormalizeSequencer(b));
}

TEST(SequencerOrderTest, ComparesAsPaddedHex) {
  EXPECT_LT(Compare("00FE", "0FF"), 0);  // longer, yet older
  EXPECT_GT(Compare("0FF", "00FE"), 0);
  EXPECT_GT(Compare("100", "FF"), 0);  // shorter string order would say older
  EXPECT_EQ(Compare("00ab", "AB"), 0);
  EXPECT_LT(Compare("5F1B2C", "5F1B2D"), 0);
  EXPECT_EQ(Compare("", "AB"), 0);
  EXPECT_EQ(Compare("zz", "AB"), 0);
}

TEST(JobRecordTest, StateNamesRoundTrip) {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kDone, JobState::kFailed,
                         JobState::kRefused}) {
    EXPECT_EQ(ParseJobState(JobStateName(state)), state);
  }
  EXPECT_STREQ(JobStateName(JobState::kRefused), "refused");
  EXPECT_FALSE(ParseJobState("Done"));
  EXPECT_FALSE(ParseJobState(""));
}

}  // namespace
}  // namespace unpackd
