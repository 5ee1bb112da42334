// udlab-cli lesson list | run NAME | check DIR: the GUI's lessons headless. `run` trains each of the
// lesson's runs (one after another, all threads each) into DIR/<run name>/ and then checks the
// lesson's claims; `check` only reads. Exit status: 0 every claim held, 1 one did not hold, 3 one
// could not be evaluated (a run or metric missing).
#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/progress_observer.h"
#include "core/io/run_dir.h"
#include "core/lessons/lesson.h"
#include "core/train/trainer.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

int report(const Lesson& l, const std::string& dir) {
  std::vector<RunFacts> facts;
  for (auto& r : l.runs) facts.push_back(read_run_facts(dir + "/" + lesson_run_dir_name(r.name), r.name));
  auto results = check_lesson(l, facts);
  int rc = 0;
  std::printf("lesson %s: %s\n", l.id.c_str(), l.title.c_str());
  for (size_t i = 0; i < results.size(); ++i) {
    std::printf("  [%s] %s\n        %s\n", !results[i].evaluated ? "??" : results[i].held ? "ok" : "NO", l.claims[i].text.c_str(),
                results[i].message.c_str());
    if (!results[i].evaluated) rc = 3;
    else if (!results[i].held && rc == 0) rc = 1;
  }
  nlohmann::json j = nlohmann::json::array();
  for (size_t i = 0; i < results.size(); ++i) {
    nlohmann::json vals = nlohmann::json::object();
    for (auto& [n, v] : results[i].values) vals[n] = v;
    j.push_back({{"claim", l.claims[i].text}, {"evaluated", results[i].evaluated}, {"held", results[i].held},
                 {"values", vals}, {"message", results[i].message}});
  }
  write_json_atomic(dir + "/claims.json", {{"lesson", l.id}, {"claims", j}});
  return rc;
}

int run_lesson(const std::vector<std::string>& args) {
  // Words before the first flag are the subcommand and its argument.
  std::vector<std::string> pos, rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("-", 0) == 0) {
      rest.assign(args.begin() + std::ptrdiff_t(i), args.end());
      break;
    }
    pos.push_back(args[i]);
  }
  Flags f = parse_flags(rest, {"out", "steps", "dir", "lesson", "threads"}, {"quiet"}, false);
  if (f.help || pos.empty()) {
    std::printf(
        "usage: udlab-cli lesson list [--dir FOLDER]\n"
        "       udlab-cli lesson run NAME [--out DIR] [--steps N] [--threads N] [--quiet]\n"
        "       udlab-cli lesson check DIR [--lesson NAME]\n"
        "  NAME     a lesson's id, its number in the list, or a unique prefix\n"
        "  --steps  train every run for N steps instead of the lesson's budget (a quick look)\n"
        "  --dir    read lessons from FOLDER/*.json instead of the bundled ones\n"
        "Exit status: 0 all claims held, 1 a claim did not hold, 3 a claim could not be evaluated.\n");
    return f.help ? 0 : 2;
  }
  LessonSet set = load_lessons(f.get("dir"));
  for (auto& e : set.errors) std::fprintf(stderr, "udlab-cli lesson: skipped %s\n", e.c_str());
  const std::string& sub = pos[0];
  if (sub == "list") {
    for (size_t i = 0; i < set.lessons.size(); ++i) {
      const Lesson& l = set.lessons[i];
      std::printf("%zu  %-28s %s\n", i + 1, l.id.c_str(), l.title.c_str());
      for (auto& r : l.runs) std::printf("       run   %s: %s\n", r.name.c_str(), r.config.dump().c_str());
      for (auto& c : l.claims) std::printf("       claim %s\n", c.text.c_str());
    }
    return set.errors.empty() ? 0 : 1;
  }
  if (sub == "check") {
    if (pos.size() < 2) throw Error("lesson check needs the lesson's output folder");
    const std::string dir = pos[1];
    std::string name = f.get("lesson");
    if (name.empty()) {
      auto j = read_json_file(dir + "/lesson.json");
      if (!j.contains("lesson") || !j["lesson"].is_string()) throw Error(dir + "/lesson.json: lesson: missing");
      name = j["lesson"].get<std::string>();
    }
    return report(find_lesson(set, name), dir);
  }
  if (sub != "run") throw Error("unknown lesson subcommand '" + sub + "' (use list, run or check)");
  if (pos.size() < 2) throw Error("lesson run needs a lesson name (udlab-cli lesson list)");
  const Lesson& l = find_lesson(set, pos[1]);
  const std::string out = f.get("out", "runs/lesson-" + l.id);
  const int steps = f.has("steps") ? parse_int("steps", f.get("steps")) : 0;
  if (f.has("steps") && steps < 1) throw Error("--steps must be >= 1");
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw Error("cannot create " + out + ": " + ec.message());
  write_json_atomic(out + "/lesson.json", {{"lesson", l.id}, {"steps", steps}});
  for (auto& r : l.runs) {
    RunConfig cfg;
    apply_json(cfg, config_at_budget(r.config, steps));
    if (f.has("threads")) cfg.train.threads = parse_int("threads", f.get("threads"));
    validate(cfg);
    TrainerOptions opts;
    opts.run_dir = out + "/" + lesson_run_dir_name(r.name);
    opts.label = r.name;
    if (std::filesystem::exists(opts.run_dir + "/config.json")) {
      std::fprintf(stderr, "%s: already trained, kept (delete it to retrain)\n", opts.run_dir.c_str());
      continue;
    }
    if (!f.has("quiet")) std::fprintf(stderr, "[%s] %s -> %s\n", l.id.c_str(), r.name.c_str(), opts.run_dir.c_str());
    RunControl ctl;
    ProgressObserver obs(ctl, f.has("quiet"));
    Trainer trainer(cfg, opts, &obs, &ctl);
    RunStatus s = trainer.run();
    if (s.state == "cancelled") return 130;
  }
  return report(l, out);
}

CommandRegistrar reg({"lesson", "list, run or check the lessons and their claims", run_lesson});

}  // namespace
}  // namespace udlab::cli
