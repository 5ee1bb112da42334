// A sweep plan: the list of runs a sweep trains, each a point with its own resolved config, made
// from a base config and axes (`--grid group=o,u d=8,16 seed=1,2,3`, a JSON sweep file) or by a
// preset (core/sweep/preset.h). Launchers (core/sweep/launch_*) turn a plan into run directories;
// nothing here starts a process. Qt-free.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/train/run_config.h"

namespace udlab {

struct SweepAxis {
  std::string key;                  // a config key ("group", "d", "seed", ...) or a preset's own axis ("model")
  std::vector<std::string> values;  // in the order given; never empty
};

struct SweepPoint {
  std::string name;   // the run's directory name under SWEEP/runs/: unique, [A-Za-z0-9._-] only
  std::string label;  // legends and tables, e.g. "group-rnn O(d) + mixing" or "group=o d=8 seed=1"
  // The point's coordinates, one per plan axis it varies along, in axis order. The GUI groups runs by
  // these; the "seed" axis is folded into mean ± band.
  std::vector<std::pair<std::string, std::string>> axes;
  RunConfig config;          // the full config this point trains (base + overrides)
  bool match_budget = true;  // resolve_plan() sets the model's width to the plan's budget
  // Filled by resolve_plan():
  size_t params = 0;         // parameter count of config (0 = not counted: skipped)
  double budget_error = 0;   // (params - budget) / budget when the plan has a budget
  std::string skip;          // non-empty: the point is not trained, with why ("model lru is not built in")
};

struct SweepPlan {
  std::string title;            // one line for the summary table's heading
  std::string preset;           // the preset's name, "" for a plain grid
  size_t budget = 0;            // parameter budget the points are matched to; 0 = none
  std::vector<SweepAxis> axes;  // every axis the points vary along (preset axes first, then grid axes)
  std::vector<SweepPoint> points;
};

// "key=v1,v2,..." words (config keys, '-' or '_') into axes. Throws udlab::Error with one line for an
// unknown key ("unknown sweep axis 'foo'"), a word without '=', an empty value list or a repeated key.
std::vector<SweepAxis> parse_grid(const std::vector<std::string>& words);
// A JSON sweep file: {"base": {config keys}, "grid": {"group": ["o","u"], "d": [8, 16]}} (values
// may be strings or numbers). "base" is applied over `base`; returns the axes. Throws naming the file.
std::vector<SweepAxis> read_sweep_file(const std::string& path, RunConfig& base);

// The Cartesian product of the axes over a base config: one point per combination, the last axis
// varying fastest. Each point's config is validated; a bad value throws naming the point.
SweepPlan grid_plan(const RunConfig& base, const std::vector<SweepAxis>& axes);
// Each point of `plan` crossed with `axes` (a preset's points × seeds, say). Empty axes: unchanged.
SweepPlan cross(SweepPlan plan, const std::vector<SweepAxis>& axes);

// The vocabulary size and sequence length T a point's data gives (the caller opens the dataset).
using DataShape = std::function<std::pair<int, int>(const TrainConfig&)>;
// Counts parameters, matches each point with match_budget to plan.budget (the model's width field),
// sizes positional tables to T, and marks points whose model is not built in as skipped. Throws when
// two points share a name or the plan is empty.
void resolve_plan(SweepPlan& plan, const DataShape& shape);

// A filesystem-safe name from a label-like string ("group-rnn O(d)" -> "group-rnn_O_d").
std::string sweep_slug(const std::string& s);

// "a,b,,c" -> {a, b, c}: the comma lists of --grid values and of preset options (--groups, --rungs).
std::vector<std::string> split_commas(const std::string& s);

}  // namespace udlab
