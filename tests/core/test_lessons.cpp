// Lessons as data (core/lessons): the bundled files parse, a bad file is reported by file and key
// while the others still load, and claims are evaluated on run facts (held / not held / missing).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "core/lessons/lesson.h"
#include "core/util/error.h"

using namespace udlab;

namespace {
const char* kGood = R"({"title": "t", "text": "x", "defaults": {"dataset": "copy", "steps": 50},
  "runs": [{"name": "a", "config": {"model": "lstm", "hidden": 16}}, {"name": "b", "config": {"model": "lru"}}],
  "claims": [{"text": "c", "measure": "final", "key": "val_accuracy", "runs": ["a"], "op": ">=", "value": 0.9}]})";

std::string errorOf(const std::string& file, const std::string& text) {
  try {
    parse_lesson(file, text);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}
}  // namespace

TEST(Lessons, BundledLessonsLoadWithClaims) {
  LessonSet set = load_lessons();
  for (auto& e : set.errors) ADD_FAILURE() << e;
  ASSERT_GE(set.lessons.size(), 6u);
  for (auto& l : set.lessons) {
    EXPECT_FALSE(l.claims.empty()) << l.id;
    EXPECT_FALSE(l.runs.empty()) << l.id;
  }
  EXPECT_EQ(find_lesson(set, "1").id, set.lessons[0].id);
  EXPECT_THROW(find_lesson(set, "no-such-lesson"), Error);
}

TEST(Lessons, BadFilesNameFileAndKeyAndOthersStillLoad) {
  EXPECT_EQ(errorOf("g.json", kGood), "");
  std::string bad = kGood;
  bad.replace(bad.find("\"lstm\""), 6, "\"lstmx\"");
  EXPECT_NE(errorOf("m.json", bad).find("m.json: runs[0].config.model: unknown model 'lstmx'"), std::string::npos)
      << errorOf("m.json", bad);
  bad = kGood;
  bad.replace(bad.find("\"final\""), 7, "\"vibes\"");
  EXPECT_NE(errorOf("c.json", bad).find("c.json: claims[0].measure: unknown 'vibes'"), std::string::npos) << errorOf("c.json", bad);
  bad = kGood;
  bad.replace(bad.find("[\"a\"]"), 5, "[\"zz\"]");
  EXPECT_NE(errorOf("r.json", bad).find("claims[0].runs: 'zz' is not one of the lesson's runs"), std::string::npos);
  bad = kGood;
  bad.replace(bad.find("\">=\""), 4, "\"~\"");
  EXPECT_NE(errorOf("o.json", bad).find("claims[0].op"), std::string::npos);
  EXPECT_NE(errorOf("j.json", "{not json").find("j.json: not a JSON object"), std::string::npos);

  // A folder with one good and one bad file: the good one loads, the bad one is reported.
  auto dir = std::filesystem::temp_directory_path() / ("udlab_lessons_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "01-good.json") << kGood;
  std::ofstream(dir / "02-bad.json") << "{\"title\": \"t\"}";
  LessonSet set = load_lessons(dir.string());
  ASSERT_EQ(set.lessons.size(), 1u);
  EXPECT_EQ(set.lessons[0].id, "01-good");
  ASSERT_EQ(set.errors.size(), 1u);
  EXPECT_NE(set.errors[0].find("02-bad.json: text: missing"), std::string::npos) << set.errors[0];
  std::filesystem::remove_all(dir);
}

TEST(Lessons, ClaimsEvaluateOnFacts) {
  Lesson l = parse_lesson("g.json", kGood);
  RunFacts a;
  a.name = "a";
  a.present = true;
  add_record(a, metrics_record_from_json({{"step", 10}, {"val_accuracy", 0.5}}));
  add_record(a, metrics_record_from_json({{"step", 20}, {"val_accuracy", 0.95},
                                          {"profiles", {{"state_norm", {2.0, 2.0 + 1e-7, 2.0 - 2e-7}}, {"state_grad_norm", {1e-4, 0.1, 1.0}}}}}));
  auto r = evaluate_claim(l.claims[0], {a});
  EXPECT_TRUE(r.evaluated && r.held) << r.message;
  EXPECT_DOUBLE_EQ(r.values[0].second, 0.95);

  Claim drift = parse_claim({{"text", "d"}, {"measure", "norm_drift"}, {"runs", {"a"}}, {"op", "<"}, {"value", 1e-5}}, {"a"});
  r = evaluate_claim(drift, {a});
  EXPECT_TRUE(r.held) << r.message;
  EXPECT_NEAR(r.values[0].second, 1e-7, 1e-12);
  Claim reach = parse_claim({{"text", "g"}, {"measure", "grad_reach"}, {"runs", {"a"}}, {"op", ">"}, {"value", 0.01}}, {"a"});
  r = evaluate_claim(reach, {a});
  EXPECT_TRUE(r.evaluated && !r.held) << r.message;  // 1e-4 reaches the start
  EXPECT_NE(r.message.find("NOT held"), std::string::npos);

  RunFacts b;
  b.name = "b";
  b.present = true;
  b.params = 1010;
  a.params = 1000;
  Claim spread = parse_claim({{"text", "p"}, {"measure", "params_spread"}, {"runs", {"a", "b"}}, {"op", "<="}, {"value", 0.02}},
                             {"a", "b"});
  r = evaluate_claim(spread, {a, b});
  EXPECT_TRUE(r.held) << r.message;
  EXPECT_NEAR(r.values[0].second, 0.01, 1e-12);
  // A run that was never trained: not evaluated, and the message says which.
  r = evaluate_claim(spread, {a});
  EXPECT_FALSE(r.evaluated);
  EXPECT_NE(r.message.find("'b' is missing"), std::string::npos);
}

TEST(Lessons, BudgetShrinksIntervals) {
  auto c = config_at_budget({{"steps", 400}, {"eval_every", 100}, {"log_every", 10}, {"warmup", 40}}, 20);
  EXPECT_EQ(c["steps"], 20);
  EXPECT_EQ(c["eval_every"], 20);
  EXPECT_EQ(c["log_every"], 10);
  EXPECT_EQ(c["warmup"], 40 > 20 ? 2 : 40);
}
