// lru-ladder as a sweep preset (s4-sweep's interface, core/sweep/preset.h): the LRU paper's ablation
// ladder (core/models/lru/lru_ladder.h), every rung at the flags' --hidden/--state/--layers (no budget
// matching, as in the paper). Axis "rung". Compiles to nothing until the sweep code is in the tree; until
// then `udlab-cli compare --preset lru-ladder` (app/cli/compare_command.cpp) runs the same rungs.
#if __has_include("core/sweep/preset.h")
#include "core/models/lru/lru_ladder.h"
#include "core/sweep/preset.h"

namespace udlab {
namespace {

SweepPlan make_lru_ladder(const PresetContext& ctx) {
  SweepPlan plan;
  plan.title = "lru-ladder";
  SweepAxis axis{"rung", {}};
  for (const LruRung& r : lru_ladder()) {
    RunConfig cfg = ctx.base;
    cfg.model = r.apply(ctx.base.model);
    SweepPoint p = preset_point(cfg, std::to_string(plan.points.size() + 1) + "-" + r.slug, r.label, {{"rung", r.label}});
    p.match_budget = false;
    axis.values.push_back(r.label);
    plan.points.push_back(std::move(p));
  }
  plan.axes.push_back(axis);
  return plan;
}

PresetRegistrar reg({"lru-ladder",
                     "the LRU paper's ablation ladder (tanh RNN -> linear -> complex diagonal -> stable exp -> ring "
                     "init -> gamma) at the flags' widths",
                     {},
                     false,
                     make_lru_ladder});

}  // namespace
}  // namespace udlab
#endif
