#include "util/env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace unpackd {
namespace {

TEST(EnvTest, UnsetAndEmptyAreTheSame) {
  ::setenv("UNPACKD_TEST_A", "", 1);
  ::unsetenv("UNPACKD_TEST_B");
  ::setenv("UNPACKD_TEST_C", "value", 1);
  EXPECT_EQ(GetEnv("UNPACKD_TEST_A"), "");
  EXPECT_EQ(GetEnv("UNPACKD_TEST_B"), "");
  EXPECT_EQ(FirstSetEnv({"UNPACKD_TEST_A", "UNPACKD_TEST_B", "UNPACKD_TEST_C"}), "value");
  EXPECT_EQ(FirstSetEnv({"UNPACKD_TEST_A", "UNPACKD_TEST_B"}), "");
  ::unsetenv("UNPACKD_TEST_A");
  ::unsetenv("UNPACKD_TEST_C");
}

}  // namespace
}  // namespace unpackd
