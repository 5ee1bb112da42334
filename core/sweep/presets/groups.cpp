// groups: one group model (--model, default group-rnn) once per subgroup in --groups o,u,su,...
// Axis "group".
#include "core/models/model_registry.h"
#include "core/groups/group.h"
#include "core/sweep/preset.h"
#include "core/util/error.h"

namespace udlab {
namespace {

// A group name that no d accepts is a typo: report make_group's message (it lists the known groups)
// now, rather than the width matcher's "no valid d".
void check_group_name(const std::string& g) {
  for (int d = 1; d <= 64; ++d) {
    try {
      make_group(g, d);
      return;
    } catch (const Error&) {
    }
  }
  make_group(g, 64);
}

SweepPlan make_groups(const PresetContext& ctx) {
  const std::string model = ctx.model_given ? ctx.base.model.model : "group-rnn";
  const std::vector<std::string> groups = split_commas(ctx.option("groups"));
  if (groups.empty()) throw Error("--groups needs a comma-separated list, e.g. o,u,su,torus,blockdiag:2");
  const ModelInfo& info = ModelRegistry::instance().get(model);
  if (info.match_field != "d") throw Error("--groups needs a group model (got --model " + model + ")");
  SweepPlan plan;
  plan.title = model + " across subgroups";
  SweepAxis axis{"group", {}};
  for (const auto& g : groups) {
    check_group_name(g);
    RunConfig cfg = ctx.base;
    cfg.model.model = model;
    cfg.model.group = g;
    const std::string label = model + " " + group_label(g) + (cfg.model.mixing ? " + mixing" : "");
    axis.values.push_back(g);
    plan.points.push_back(
        preset_point(cfg, std::to_string(plan.points.size() + 1) + "-" + model + "-" + g, label, {{"group", g}}));
  }
  plan.axes.push_back(axis);
  return plan;
}

PresetRegistrar reg({"groups", "one group model (--model, default group-rnn) once per subgroup listed in", {"groups"},
                     false, make_groups});

}  // namespace
}  // namespace udlab
