#include "core/lessons/claims.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "core/io/run_dir.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab {

namespace {
const std::set<std::string> kMeasures{"final",       "norm_drift",  "grad_reach",   "membership",
                                      "eig_abs_min", "eig_abs_max", "params_spread"};
const std::set<std::string> kOps{"<", "<=", ">", ">="};

bool compare(double v, const std::string& op, double ref) {
  if (!std::isfinite(v)) return false;
  if (op == "<") return v < ref;
  if (op == "<=") return v <= ref;
  if (op == ">") return v > ref;
  return v >= ref;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

// The measured value of one run, or NaN with *why set.
double measure(const Claim& c, const RunFacts& f, std::string* why) {
  auto profile = [&](const char* k) -> const std::vector<double>* {
    auto it = f.profiles.find(k);
    if (it == f.profiles.end() || it->second.empty()) {
      *why = f.name + " logged no " + k + " profile";
      return nullptr;
    }
    return &it->second;
  };
  if (c.measure == "final") {
    auto it = f.last.find(c.key);
    if (it == f.last.end()) {
      *why = f.name + " logged no " + c.key;
      return NAN;
    }
    return it->second;
  }
  if (c.measure == "eig_abs_min" || c.measure == "eig_abs_max") {
    auto it = f.eig_abs.find(c.key);
    if (it == f.eig_abs.end() || it->second.empty()) {
      *why = f.name + " logged no eigenvalues " + c.key;
      return NAN;
    }
    return c.measure == "eig_abs_min" ? *std::min_element(it->second.begin(), it->second.end())
                                      : *std::max_element(it->second.begin(), it->second.end());
  }
  if (c.measure == "norm_drift") {
    const auto* p = profile("state_norm");
    if (!p) return NAN;
    const double h0 = (*p)[0];
    if (!(std::abs(h0) > 0)) {
      *why = f.name + ": ‖h_0‖ is 0";
      return NAN;
    }
    double worst = 0;
    for (double h : *p) worst = std::max(worst, std::abs(h - h0) / std::abs(h0));
    return worst;
  }
  if (c.measure == "grad_reach") {
    const auto* p = profile("state_grad_norm");
    if (!p) return NAN;
    if (!(p->back() > 0)) {
      *why = f.name + ": ‖∂L/∂h_T‖ is 0";
      return NAN;
    }
    return p->front() / p->back();
  }
  const auto* p = profile("membership_error");
  if (!p) return NAN;
  return *std::max_element(p->begin(), p->end());
}
}  // namespace

Claim parse_claim(const nlohmann::json& j, const std::vector<std::string>& run_names) {
  if (!j.is_object()) throw Error("is not an object");
  Claim c;
  auto str = [&](const char* k, bool required) -> std::string {
    if (!j.contains(k)) {
      if (required) throw Error(std::string(k) + ": missing");
      return {};
    }
    if (!j[k].is_string()) throw Error(std::string(k) + ": must be a string");
    return j[k].get<std::string>();
  };
  for (auto& [k, v] : j.items())
    if (k != "text" && k != "measure" && k != "key" && k != "op" && k != "value" && k != "runs")
      throw Error(k + ": unknown key (use text, measure, key, op, value, runs)");
  c.text = str("text", true);
  c.measure = str("measure", true);
  if (!kMeasures.count(c.measure))
    throw Error("measure: unknown '" + c.measure +
                "' (use final, norm_drift, grad_reach, membership, eig_abs_min, eig_abs_max, params_spread)");
  c.key = str("key", c.measure == "final" || c.measure.rfind("eig_abs", 0) == 0);
  c.op = str("op", true);
  if (!kOps.count(c.op)) throw Error("op: unknown '" + c.op + "' (use <, <=, >, >=)");
  if (!j.contains("value") || !j["value"].is_number() || !std::isfinite(j["value"].get<double>()))
    throw Error("value: must be a finite number");
  c.value = j["value"].get<double>();
  if (!j.contains("runs") || !j["runs"].is_array() || j["runs"].empty()) throw Error("runs: must be a non-empty list of run names");
  for (auto& r : j["runs"]) {
    if (!r.is_string()) throw Error("runs: must hold run names (strings)");
    const auto name = r.get<std::string>();
    if (std::find(run_names.begin(), run_names.end(), name) == run_names.end())
      throw Error("runs: '" + name + "' is not one of the lesson's runs");
    c.runs.push_back(name);
  }
  if (c.measure == "params_spread" && c.runs.size() < 2) throw Error("runs: params_spread needs at least two runs");
  return c;
}

ClaimResult evaluate_claim(const Claim& c, const std::vector<RunFacts>& runs) {
  ClaimResult r;
  std::vector<const RunFacts*> sel;
  for (auto& name : c.runs) {
    auto it = std::find_if(runs.begin(), runs.end(), [&](const RunFacts& f) { return f.name == name && f.present; });
    if (it == runs.end()) {
      r.message = "not evaluated: run '" + name + "' is missing";
      return r;
    }
    sel.push_back(&*it);
  }
  if (c.measure == "params_spread") {
    double lo = INFINITY, hi = 0;
    for (auto* f : sel) {
      if (!(f->params > 0)) {
        r.message = "not evaluated: " + f->name + " has no parameter count";
        return r;
      }
      lo = std::min(lo, f->params), hi = std::max(hi, f->params);
    }
    r.values.push_back({"all", hi / lo - 1});
  } else {
    for (auto* f : sel) {
      std::string why;
      const double v = measure(c, *f, &why);
      if (!std::isfinite(v)) {
        r.message = "not evaluated: " + (why.empty() ? f->name + " gave a non-finite value" : why);
        return r;
      }
      r.values.push_back({f->name, v});
    }
  }
  r.evaluated = true;
  r.held = std::all_of(r.values.begin(), r.values.end(), [&](auto& v) { return compare(v.second, c.op, c.value); });
  std::string vals;
  for (auto& [n, v] : r.values) vals += (vals.empty() ? "" : ", ") + (n == "all" ? std::string() : n + " ") + num(v);
  r.message = std::string(r.held ? "held" : "NOT held") + ": " + vals + " (claim " + c.op + " " + num(c.value) + ")";
  return r;
}

void add_record(RunFacts& f, const MetricsRecord& rec) {
  // A value logged as not finite stays NaN: a claim on it is "not evaluated", never judged on an older value.
  rec.for_each_scalar([&](std::string_view k, double v) { f.last[std::string(k)] = v; });
  const Telemetry& t = rec.telemetry;
  if (!t.profiles.empty()) f.profiles = t.profiles;
  if (!t.eigenvalues.empty()) {
    f.eig_abs.clear();
    for (const auto& [k, zs] : t.eigenvalues) {
      std::vector<double> a;
      a.reserve(zs.size());
      for (const auto& z : zs) a.push_back(std::abs(z));
      f.eig_abs[k] = std::move(a);
    }
  }
}

RunFacts read_run_facts(const std::string& dir, const std::string& name) {
  RunFacts f;
  f.name = name;
  RunPaths p{dir};
  std::ifstream in(p.metrics());
  if (!in) return f;
  f.present = true;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      add_record(f, parse_metrics_line(line));
    } catch (const Error&) {
      // a torn last line
    }
  }
  try {
    auto info = read_json_file(p.info());
    if (info.contains("params") && info["params"].is_number()) f.params = info["params"].get<double>();
  } catch (const Error&) {
  }
  try {
    auto st = read_json_file(p.status());
    if (st.contains("state") && st["state"].is_string()) f.state = st["state"].get<std::string>();
  } catch (const Error&) {
  }
  return f;
}

}  // namespace udlab
