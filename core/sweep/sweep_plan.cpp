#include "core/sweep/sweep_plan.h"

#include <set>
#include <sstream>

#include "core/io/run_dir.h"
#include "core/models/model_registry.h"
#include "core/models/param_count.h"
#include "core/util/error.h"

namespace udlab {
namespace {

std::string underscored(std::string s) {
  for (auto& c : s)
    if (c == '-') c = '_';
  return s;
}

SweepAxis checked_axis(const std::string& raw_key, std::vector<std::string> values, std::set<std::string>& seen) {
  const std::string key = underscored(raw_key);
  if (key.empty()) throw Error("a sweep axis has no key");
  if (!is_config_key(key))
    throw Error("unknown sweep axis '" + raw_key + "' (axes are config keys, e.g. group, d, hidden, lr, seed; see udlab-cli train --help)");
  if (key == "data_dir") throw Error("sweep axis 'data_dir' is not allowed: every point reads the same data");
  if (values.empty()) throw Error("sweep axis '" + raw_key + "' has no values");
  if (!seen.insert(key).second) throw Error("sweep axis '" + raw_key + "' is given twice");
  return SweepAxis{key, std::move(values)};
}

// Applies one axis value to a config, naming the point in the error.
void apply_value(RunConfig& cfg, const std::string& key, const std::string& value) {
  try {
    set_from_string(cfg, key, value);
  } catch (const Error& e) {
    throw Error("sweep axis " + key + "=" + value + ": " + e.what());
  }
}

}  // namespace

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string sweep_slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (ok) out += c;
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && (out.back() == '_' || out.back() == '.')) out.pop_back();
  return out.empty() ? "run" : out;
}

std::vector<SweepAxis> parse_grid(const std::vector<std::string>& words) {
  std::vector<SweepAxis> axes;
  std::set<std::string> seen;
  for (const auto& w : words) {
    const auto eq = w.find('=');
    if (eq == std::string::npos) throw Error("sweep axis '" + w + "' needs the form key=v1,v2,...");
    axes.push_back(checked_axis(w.substr(0, eq), split_commas(w.substr(eq + 1)), seen));
  }
  return axes;
}

std::vector<SweepAxis> read_sweep_file(const std::string& path, RunConfig& base) {
  const nlohmann::json j = read_json_file(path);
  try {
    if (!j.is_object()) throw Error("not a JSON object");
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "base" && it.key() != "grid") throw Error("unknown key '" + it.key() + "' (known: base, grid)");
    if (j.contains("base")) apply_json(base, j["base"]);
    std::vector<SweepAxis> axes;
    std::set<std::string> seen;
    if (j.contains("grid")) {
      if (!j["grid"].is_object()) throw Error("\"grid\" must be an object of key: [values]");
      for (auto it = j["grid"].begin(); it != j["grid"].end(); ++it) {
        std::vector<std::string> values;
        const auto& v = it.value();
        if (!v.is_array()) throw Error("grid axis '" + it.key() + "' must be an array of values");
        for (const auto& x : v) values.push_back(x.is_string() ? x.get<std::string>() : x.dump());
        axes.push_back(checked_axis(it.key(), std::move(values), seen));
      }
    }
    return axes;
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

SweepPlan cross(SweepPlan plan, const std::vector<SweepAxis>& axes) {
  for (const auto& axis : axes) {
    for (const auto& a : plan.axes)
      if (a.key == axis.key) throw Error("sweep axis '" + axis.key + "' is already an axis of this plan");
    std::vector<SweepPoint> out;
    for (const auto& p : plan.points) {
      for (const auto& v : axis.values) {
        SweepPoint q = p;
        apply_value(q.config, axis.key, v);
        q.axes.emplace_back(axis.key, v);
        const std::string word = axis.key + "-" + v;
        q.name = q.name.empty() ? sweep_slug(word) : q.name + "_" + sweep_slug(word);
        q.label = q.label.empty() ? axis.key + "=" + v : q.label + " " + axis.key + "=" + v;
        out.push_back(std::move(q));
      }
    }
    plan.points = std::move(out);
    plan.axes.push_back(axis);
  }
  return plan;
}

SweepPlan grid_plan(const RunConfig& base, const std::vector<SweepAxis>& axes) {
  if (axes.empty()) throw Error("empty grid: give at least one axis, e.g. --grid group=o,u seed=1,2");
  SweepPlan plan;
  SweepPoint seed;
  seed.config = base;
  seed.match_budget = false;
  plan.points.push_back(seed);
  plan = cross(std::move(plan), axes);
  for (auto& p : plan.points) {
    try {
      validate(p.config);
    } catch (const Error& e) {
      throw Error("sweep point " + p.label + ": " + e.what());
    }
  }
  return plan;
}

void resolve_plan(SweepPlan& plan, const DataShape& shape) {
  if (plan.points.empty()) throw Error("the sweep has no points");
  std::set<std::string> names;
  for (auto& p : plan.points) {
    if (p.name.empty() || sweep_slug(p.name) != p.name) throw Error("sweep point name '" + p.name + "' is not a plain file name");
    if (!names.insert(p.name).second) throw Error("two sweep points are both named '" + p.name + "'");
    const ModelInfo* info = ModelRegistry::instance().find(p.config.model.model);
    if (!info) {
      p.skip = "skipped: model " + p.config.model.model + " is not built into this udlab-cli";
      continue;
    }
    const auto [vocab, T] = shape(p.config.train);
    // Positional tables must cover the run's sequence length.
    if (p.config.model.model == "transformer" || p.config.model.model == "group-transformer") p.config.model.max_len = T;
    if (plan.budget && p.match_budget) {
      MatchResult m = match_params(p.config.model, vocab, plan.budget, 1e9);
      p.config.model = m.cfg;
    }
    p.params = count_params(p.config.model, vocab);
    if (plan.budget) p.budget_error = (double(p.params) - double(plan.budget)) / double(plan.budget);
  }
}

}  // namespace udlab
