// MatchEvent and MakeJobFor: filters, first rule wins, and own outputs never become jobs.
#include "rules/rule_match.h"

#include <gtest/gtest.h>

#include "extract/member_metadata.h"

namespace unpackd {
namespace {

ObjectEvent Created(const std::string& bucket, const std::string& key) {
  ObjectEvent event;
  event.bucket = bucket;
  event.key = key;
  event.etag = "abc";
  event.event_name = "ObjectCreated:Put";
  event.has_user_metadata = true;  // as radosgw sends it: the metadata decides own output
  return event;
}

// As AWS sends it: no metadata, so own output is judged from the key.
ObjectEvent KeyOnly(const std::string& bucket, const std::string& key) {
  ObjectEvent event = Created(bucket, key);
  event.has_user_metadata = false;
  return event;
}

Rule MakeRule(const std::string& name) {
  Rule rule;
  rule.name = name;
  return rule;
}

ServiceConfig Config(std::vector<Rule> rules) {
  ServiceConfig config;
  config.rules = std::move(rules);
  return config;
}

MatchOutcome Outcome(const ServiceConfig& config, const ObjectEvent& event) {
  return MatchEvent(config, event).outcome;
}

TEST(RuleMatchTest, DefaultRuleTakesZipsCaseInsensitively) {
  const ServiceConfig config = Config({MakeRule("default")});
  EXPECT_EQ(Outcome(config, Created("b", "a/b/result.zip")), MatchOutcome::kMatched);
  EXPECT_EQ(Outcome(config, Created("b", "a/b/RESULT.Zip")), MatchOutcome::kMatched);
  EXPECT_EQ(Outcome(config, Created("b", "top.zip")), MatchOutcome::kMatched);
  EXPECT_EQ(Outcome(config, Created("b", "a/b/result.zip.txt")), MatchOutcome::kNoRule);
  EXPECT_EQ(MatchEvent(config, Created("b", "x.zip")).rule, &config.rules[0]);
}

TEST(RuleMatchTest, NotCreatedEvents) {
  const ServiceConfig config = Config({MakeRule("default")});
  ObjectEvent event = Created("b", "x.zip");
  event.event_name = "ObjectRemoved:Delete";
  EXPECT_EQ(Outcome(config, event), MatchOutcome::kNotCreated);
  event.event_name = "";
  EXPECT_EQ(Outcome(config, event), MatchOutcome::kNotCreated);
}

TEST(RuleMatchTest, BucketPrefixSuffixAndFirstRuleWins) {
  Rule jars = MakeRule("jars");
  jars.buckets = {"in"};
  jars.prefixes = {"libs/", "vendor/"};
  jars.suffixes = {".jar"};
  Rule zips = MakeRule("zips");
  zips.buckets = {"in", "other"};
  Rule any = MakeRule("any");
  any.suffixes = {".zip", ".jar"};
  const ServiceConfig config = Config({jars, zips, any});
  EXPECT_EQ(MatchEvent(config, Created("in", "libs/a.JAR")).rule->name, "jars");
  EXPECT_EQ(MatchEvent(config, Created("in", "vendor/x/a.jar")).rule->name, "jars");
  EXPECT_EQ(MatchEvent(config, Created("in", "src/a.jar")).rule->name, "any");
  EXPECT_EQ(MatchEvent(config, Created("other", "a.zip")).rule->name, "zips");
  EXPECT_EQ(MatchEvent(config, Created("third", "a.zip")).rule->name, "any");
  EXPECT_EQ(Outcome(config, Created("third", "a.tar")), MatchOutcome::kNoRule);
}

TEST(RuleMatchTest, ManifestsAndUnpackdFoldersAreOwnOutput) {
  const ServiceConfig config = Config({MakeRule("default")});
  EXPECT_EQ(Outcome(config, Created("b", "a/result/.unpackd/manifest.json")),
            MatchOutcome::kOwnOutput);
  EXPECT_EQ(Outcome(config, Created("b", ".unpackd/x.zip")), MatchOutcome::kOwnOutput);
  EXPECT_EQ(Outcome(config, Created("b", "a/not.unpackd/x.zip")), MatchOutcome::kMatched);
}

TEST(RuleMatchTest, NestedArchiveInDefaultDestinationIsOwnOutput) {
  const ServiceConfig config = Config({MakeRule("default")});
  // a/b/result.zip extracts to a/b/result/; a zip inside it must not start another job.
  EXPECT_EQ(Outcome(config, KeyOnly("b", "a/b/result/x.zip")), MatchOutcome::kOwnOutput);
  EXPECT_EQ(Outcome(config, KeyOnly("b", "a/b/result/deep/er/x.zip")), MatchOutcome::kOwnOutput);
  EXPECT_EQ(Outcome(config, KeyOnly("b", "result/x.zip")), MatchOutcome::kOwnOutput);
  // The trade-off: a folder named like an archive's stem is taken for its output, so the
  // caller is told to confirm with the object's metadata.
  const RuleMatch guess = MatchEvent(config, KeyOnly("b", "a/b/2024/x.zip"));
  EXPECT_EQ(guess.outcome, MatchOutcome::kOwnOutput);
  EXPECT_TRUE(guess.needs_confirmation);
  EXPECT_EQ(guess.rule, &config.rules[0]);
  // When the event carries the metadata, it decides: no unpackd-source, an upload.
  const RuleMatch known = MatchEvent(config, Created("b", "a/b/2024/x.zip"));
  EXPECT_EQ(known.outcome, MatchOutcome::kMatched);
  EXPECT_FALSE(known.needs_confirmation);
}

TEST(RuleMatchTest, OwnOutputRespectsTheRulesFilters) {
  Rule rule = MakeRule("in");
  rule.buckets = {"in"};
  rule.prefixes = {"up/"};
  Rule other = MakeRule("other");
  other.buckets = {"b2"};
  const ServiceConfig config = Config({rule, other});
  EXPECT_EQ(Outcome(config, KeyOnly("in", "up/r/x.zip")), MatchOutcome::kOwnOutput);
  // Not under the rule's prefix: no archive of this rule writes there (and no rule takes it).
  EXPECT_EQ(Outcome(config, KeyOnly("in", "down/r/x.zip")), MatchOutcome::kNoRule);
}

TEST(RuleMatchTest, OwnOutputInAnotherDestinationBucketAndTemplate) {
  Rule writer = MakeRule("writer");
  writer.buckets = {"in"};
  writer.destination_bucket = "out";
  writer.destination_template = "extracted/{dir}/{stem}-files/{path}";
  Rule reader = MakeRule("reader");
  reader.buckets = {"out"};
  reader.destination_template = "{dir}/{stem}.unpacked/{path}";
  const ServiceConfig config = Config({writer, reader});
  EXPECT_EQ(Outcome(config, KeyOnly("out", "extracted/a/r-files/n.zip")), MatchOutcome::kOwnOutput);
  EXPECT_EQ(Outcome(config, KeyOnly("out", "extracted/r-files/n.zip")), MatchOutcome::kOwnOutput);
  EXPECT_EQ(Outcome(config, KeyOnly("out", "uploads/r-files/n.zip")), MatchOutcome::kMatched);
  EXPECT_EQ(Outcome(config, KeyOnly("out", "extracted/a/r/n.zip")), MatchOutcome::kMatched);
  // The writer's own source bucket is not where it writes.
  EXPECT_EQ(Outcome(config, KeyOnly("in", "extracted/a/r-files/n.zip")), MatchOutcome::kMatched);
}

TEST(RuleMatchTest, NameTemplateAndDoubleSuffix) {
  Rule rule = MakeRule("tgz");
  rule.suffixes = {".tar.gz", ".zip"};
  rule.destination_template = "{dir}/{stem}/{path}";
  Rule named = MakeRule("named");
  named.buckets = {"n"};
  named.destination_template = "{dir}/{name}.d/{path}";
  const ServiceConfig config = Config({rule, named});
  // a/r.tar.gz has stem r, as a/r.tgz does (and a/r.tar.zip has stem r.tar).
  EXPECT_EQ(Outcome(config, KeyOnly("b", "a/r/x.zip")), MatchOutcome::kOwnOutput);
  EXPECT_EQ(Outcome(config, KeyOnly("n", "a/r.zip.d/x.zip")), MatchOutcome::kOwnOutput);
}

TEST(RuleMatchTest, MetadataNamingAnArchiveIsOwnOutput) {
  Rule rule = MakeRule("r");
  rule.destination_bucket = "out";
  rule.buckets = {"in"};
  const ServiceConfig config = Config({rule, MakeRule("all")});
  ObjectEvent event = Created("elsewhere", "x.zip");
  EXPECT_EQ(Outcome(config, event), MatchOutcome::kMatched);
  event.user_metadata[kMetaSource] = "in/a.zip";
  EXPECT_EQ(Outcome(config, event), MatchOutcome::kOwnOutput);
}

TEST(RuleMatchTest, MakeJobForCopiesTheRule) {
  Rule rule = MakeRule("r");
  rule.destination_template = "{dir}/{stem}-x/{path}";
  rule.destination_bucket = "out";
  rule.limits.max_members = 3;
  rule.on_error = OnErrorPolicy::kSkip;
  rule.prune = false;
  const ExtractJob job = MakeJobFor(rule, {"in", "a/b.zip"}, "9a4b-4");
  EXPECT_EQ(job.archive.bucket, "in");
  EXPECT_EQ(job.archive.key, "a/b.zip");
  EXPECT_EQ(job.pinned_etag, "9a4b-4");
  EXPECT_EQ(job.destination_template, "{dir}/{stem}-x/{path}");
  EXPECT_EQ(job.destination_bucket, "out");
  EXPECT_EQ(job.limits.max_members, 3u);
  EXPECT_EQ(job.on_error, OnErrorPolicy::kSkip);
  EXPECT_FALSE(job.prune);
}

TEST(RuleMatchTest, OutcomeNames) {
  EXPECT_STREQ(MatchOutcomeName(MatchOutcome::kMatched), "matched");
  EXPECT_STREQ(MatchOutcomeName(MatchOutcome::kNotCreated), "not-created");
  EXPECT_STREQ(MatchOutcomeName(MatchOutcome::kNoRule), "no-rule");
  EXPECT_STREQ(MatchOutcomeName(MatchOutcome::kOwnOutput), "own-output");
}

}  // namespace
}  // namespace unpackd
