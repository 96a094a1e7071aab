#include "jobs/job_record.h"

#include <gtest/gtest.h>

namespace unpackd {
namespace {

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
