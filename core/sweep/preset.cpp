#include "core/sweep/preset.h"

#include "core/util/error.h"

namespace udlab {

std::vector<Preset>& presets() {
  static std::vector<Preset> all;
  return all;
}

const Preset& find_preset(const std::string& name) {
  std::string known;
  for (const auto& p : presets()) {
    if (p.name == name) return p;
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw Error("unknown preset '" + name + "' (known: " + known + ")");
}

SweepPoint preset_point(const RunConfig& cfg, const std::string& name, const std::string& label,
                        std::vector<std::pair<std::string, std::string>> axes) {
  SweepPoint p;
  p.config = cfg;
  p.name = sweep_slug(name);
  p.label = label;
  p.axes = std::move(axes);
  return p;
}

std::string group_label(const std::string& g) {
  if (g == "o") return "O(d)";
  if (g == "so") return "SO(d)";
  if (g == "u") return "U(d)";
  if (g == "su") return "SU(d)";
  if (g == "torus") return "U(1)^d";
  if (g == "sp") return "Sp(d/2)";
  if (g.rfind("blockdiag:", 0) == 0) return "SO(" + g.substr(10) + ")^(d/" + g.substr(10) + ")";
  return g;
}

}  // namespace udlab
