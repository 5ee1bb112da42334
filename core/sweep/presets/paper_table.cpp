// paper-table: the U(d) paper's comparison at one parameter budget: group-rnn O(d) without and with
// mixing, group-transformer O(d), lstm and transformer. Axis "model" (the row).
#include "core/sweep/preset.h"

namespace udlab {
namespace {

SweepPlan make_paper_table(const PresetContext& ctx) {
  SweepPlan plan;
  plan.title = "paper-table";
  SweepAxis axis{"model", {}};
  auto add = [&](const std::string& model, const std::string& group, bool mixing) {
    RunConfig cfg = ctx.base;
    cfg.model.model = model;
    std::string label = model;
    if (!group.empty()) {
      cfg.model.group = group;
      cfg.model.mixing = mixing;
      label += " " + group_label(group) + (mixing ? " + mixing" : "");
    }
    const std::string name = std::to_string(plan.points.size() + 1) + "-" + model + (group.empty() ? "" : "-" + group) +
                             (mixing ? "-mixing" : "");
    axis.values.push_back(label);
    plan.points.push_back(preset_point(cfg, name, label, {{"model", label}}));
  };
  add("group-rnn", "o", false);
  add("group-rnn", "o", true);
  add("group-transformer", "o", false);
  add("lstm", "", false);
  add("transformer", "", false);
  plan.axes.push_back(axis);
  return plan;
}

PresetRegistrar reg({"paper-table",
                     "group-rnn O(d) without and with mixing, group-transformer O(d), lstm, transformer at --budget N",
                     {},
                     true,
                     make_paper_table});

}  // namespace
}  // namespace udlab
