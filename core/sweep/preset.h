// Sweep presets: named plans ("paper-table", "groups", ...), each a function from the user's base
// config and options to a SweepPlan. `udlab-cli sweep --preset NAME` and `udlab-cli compare --preset
// NAME` both run them, on either launcher. A preset registers itself from its own file under
// core/sweep/presets/ (PresetRegistrar), so adding one touches no other file.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/sweep/sweep_plan.h"

namespace udlab {

struct PresetContext {
  RunConfig base;                             // from --config and the training flags
  size_t budget = 0;                          // --budget N; 0 when not given
  std::map<std::string, std::string> options; // the preset's own flags (Preset::options), e.g. "groups" -> "o,u"
  bool model_given = false;                   // whether the user set --model (e.g. "groups" defaults to group-rnn)
  std::string option(const std::string& k, const std::string& def = "") const {
    auto it = options.find(k);
    return it == options.end() ? def : it->second;
  }
};

struct Preset {
  std::string name;
  std::string summary;               // one line for --help
  std::vector<std::string> options;  // its own flags (without "--"), each taking a value
  bool needs_budget = false;         // refuse to run without --budget
  // Builds the points (names, labels, axes, configs). The sweep then applies resolve_plan (budget,
  // parameter counts, skips) and any --grid axes (e.g. seed=1,2,3) crossed over these points.
  std::function<SweepPlan(const PresetContext&)> make;
};

std::vector<Preset>& presets();
// Throws udlab::Error listing the known presets when `name` is none of them.
const Preset& find_preset(const std::string& name);

struct PresetRegistrar {
  explicit PresetRegistrar(Preset p) { presets().push_back(std::move(p)); }
};

// Shared by presets: a point training `cfg` named `name` (made filesystem-safe) with one axis value.
SweepPoint preset_point(const RunConfig& cfg, const std::string& name, const std::string& label,
                        std::vector<std::pair<std::string, std::string>> axes);
// "O(d)", "U(1)^d", ... for tables.
std::string group_label(const std::string& group);

}  // namespace udlab
