// docs/notification.schema.json is the contract receivers code against: the documented
// examples and what BuildNotification really sends must both satisfy it (checked by Python's
// jsonschema, an implementation independent of ours), and it must reject what it should.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "notify/notification.h"
#include "notify/outcomes.h"
#include "support/spawn_process.h"
#include "support/temp_dir.h"

namespace unpackd::notify {
namespace {

namespace fs = std::filesystem;

const fs::path kDocs = fs::path(UNPACKD_SOURCE_DIR_PATH) / "docs";

struct Validation {
  int exit_code = -1;
  std::string output;
};

// Runs tests/tools/validate_notifications.py over `files`.
Validation Validate(const std::vector<fs::path>& files, const fs::path& scratch) {
  std::vector<std::string> args = {
      "/usr/bin/python3", std::string(UNPACKD_TEST_TOOLS_DIR) + "/validate_notifications.py",
      (kDocs / "notification.schema.json").string()};
  for (const fs::path& file : files) args.push_back(file.string());
  const fs::path log = scratch / "validate.log";
  const pid_t pid = ::unpackd::testing::SpawnProcess(args, log.string(), log.string());
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::ifstream in(log);
  Validation validation;
  validation.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  validation.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return validation;
}

fs::path Write(const fs::path& dir, const std::string& name, const std::string& content) {
  const fs::path path = dir / name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(NotificationSchemaTest, TheDocumentedExamplesAreValid) {
  ::unpackd::testing::TempDir scratch;
  std::vector<fs::path> examples;
  for (const char* kind : {"succeeded", "failed", "refused"}) {
    examples.push_back(kDocs / "examples" / (std::string("notification-") + kind + ".json"));
    ASSERT_TRUE(fs::exists(examples.back())) << examples.back();
  }
  const Validation v = Validate(examples, scratch.path());
  EXPECT_EQ(v.exit_code, 0) << v.output;
}

TEST(NotificationSchemaTest, WhatBuildNotificationSendsIsValid) {
  ::unpackd::testing::TempDir scratch;
  JobOutcome unknown_size = testing::StoreFailedOutcome();
  unknown_size.archive_size = 0;
  unknown_size.identity.etag.clear();
  unknown_size.started_at_ms = 0;
  JobOutcome already = testing::SucceededOutcome(0);
  already.result->already_complete = true;
  already.result->manifest.skipped_count = 4;  // listed in the old manifest, not here
  const std::vector<JobOutcome> outcomes = {testing::SucceededOutcome(),
                                            testing::SucceededOutcome(1000),
                                            testing::RefusedOutcome(),
                                            testing::StoreFailedOutcome(),
                                            unknown_size,
                                            already};
  std::vector<fs::path> files;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    files.push_back(Write(scratch.path(), "built-" + std::to_string(i) + ".json",
                          BuildNotification(outcomes[i]).payload_json));
  }
  const Validation v = Validate(files, scratch.path());
  EXPECT_EQ(v.exit_code, 0) << v.output;
}

TEST(NotificationSchemaTest, TheSchemaRejectsAMixedUpPayload) {
  ::unpackd::testing::TempDir scratch;
  nlohmann::json succeeded =
      nlohmann::json::parse(BuildNotification(testing::SucceededOutcome()).payload_json);
  nlohmann::json wrong_kind = succeeded;
  wrong_kind["kind"] = "job.failed";  // a failure without an error, with a result
  nlohmann::json refused =
      nlohmann::json::parse(BuildNotification(testing::RefusedOutcome()).payload_json);
  refused["error"]["kind"] = "transient";  // refused must be archive-refused
  nlohmann::json bad_id = succeeded;
  bad_id["event_id"] = "evt_XYZ";
  for (const auto& [name, document] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"wrong-kind", wrong_kind}, {"refused-kind", refused}, {"bad-id", bad_id}}) {
    const Validation v =
        Validate({Write(scratch.path(), name + ".json", document.dump())}, scratch.path());
    EXPECT_EQ(v.exit_code, 1) << name << ": " << v.output;
  }
}

}  // namespace
}  // namespace unpackd::notify
