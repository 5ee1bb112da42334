// lru-ladder as a sweep preset (s4-sweep's interface, core/sweep/preset.h): the LRU paper's ablation
// ladder (core/models/lru/lru_ladder.h), every rung at the flags' --hidden/--state/--layers (no budget
// matching, as in the paper). Axis "rung". `udlab-cli compare --preset lru-ladder` and `udlab-cli sweep
// --preset lru-ladder` run it.
#if __has_include("core/sweep/preset.h")
#include <set>

#include "core/models/lru/lru_ladder.h"
#include "core/sweep/preset.h"
#include "core/util/error.h"

namespace udlab {
namespace {

// --rungs tanh,linear,ring,gamma: the rungs to run (all when not given). The paper reports four of the
// seven on LRA, and a CPU budget may fit only those with several seeds; points keep their rung number.
std::set<std::string> chosen_rungs(const std::string& list) {
  std::set<std::string> chosen;
  std::string known;
  for (const LruRung& r : lru_ladder()) {
    if (!known.empty()) known += ',';
    known += r.slug;
  }
  for (const std::string& s : split_commas(list)) {
    bool found = false;
    for (const LruRung& r : lru_ladder()) found |= s == r.slug;
    if (!found) throw Error("--rungs: unknown rung '" + s + "' (rungs: " + known + ")");
    chosen.insert(s);
  }
  if (chosen.empty()) throw Error("--rungs needs a comma-separated list of rungs: " + known);
  return chosen;
}

SweepPlan make_lru_ladder(const PresetContext& ctx) {
  SweepPlan plan;
  plan.title = "lru-ladder";
  SweepAxis axis{"rung", {}};
  const std::string list = ctx.option("rungs");
  const std::set<std::string> chosen = list.empty() ? std::set<std::string>() : chosen_rungs(list);
  int number = 0;
  for (const LruRung& r : lru_ladder()) {
    ++number;
    if (!chosen.empty() && !chosen.count(r.slug)) continue;
    RunConfig cfg = ctx.base;
    cfg.model = r.apply(ctx.base.model);
    SweepPoint p = preset_point(cfg, std::to_string(number) + "-" + r.slug, r.label, {{"rung", r.label}});
    p.match_budget = false;
    axis.values.push_back(r.label);
    plan.points.push_back(std::move(p));
  }
  plan.axes.push_back(axis);
  return plan;
}

PresetRegistrar reg({"lru-ladder",
                     "the LRU paper's ablation ladder (tanh RNN -> linear -> complex diagonal -> stable exp -> ring "
                     "init -> gamma) at the flags' widths; --rungs tanh,linear,ring,gamma runs a subset",
                     {"rungs"},
                     false,
                     make_lru_ladder});

}  // namespace
}  // namespace udlab
#endif
