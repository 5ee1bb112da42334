// Lessons as data: a title, the text, the runs (config overrides) and the claims the runs must bear
// out, read from JSON (resources/lessons/*.json, compiled in; a folder given at run time overrides).
// A bad file is reported by name and key and skipped; the other lessons still load. No Qt.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/lessons/claims.h"

namespace udlab {

struct LessonRun {
  std::string name;        // unique within the lesson; the run's label and its sub-directory
  nlohmann::json config;   // the lesson's "defaults" updated with the run's "config"
};

struct Lesson {
  std::string id;          // the file name without .json ("01-why-orthogonal")
  std::string title, text;
  std::string view = "dashboard";  // dashboard | compare
  std::string metric = "loss";     // what the first chart shows: loss | accuracy | bpc
  std::vector<LessonRun> runs;
  std::vector<Claim> claims;
};

struct LessonSet {
  std::vector<Lesson> lessons;      // in file-name order
  std::vector<std::string> errors;  // one line each: "FILE: KEY: problem"
};

// Parses and checks one lesson file's text; throws udlab::Error "FILE: KEY: problem".
Lesson parse_lesson(const std::string& file, const std::string& text);
// The bundled lessons, or those in `dir` when it is not empty.
LessonSet load_lessons(const std::string& dir = {});
// A run's config at another step budget (steps > 0): log, eval and telemetry intervals shrink to fit
// so that every claim still has something to read.
nlohmann::json config_at_budget(nlohmann::json config, int steps);
// Evaluates every claim of the lesson on the facts of its runs.
std::vector<ClaimResult> check_lesson(const Lesson& l, const std::vector<RunFacts>& runs);
// The directory name of a lesson run inside a lesson's output folder.
std::string lesson_run_dir_name(const std::string& run_name);

// By id, by its number ("1" = the first) or by a unique prefix of the id; throws udlab::Error.
const Lesson& find_lesson(const LessonSet& set, const std::string& name);

}  // namespace udlab
