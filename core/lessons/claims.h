// A lesson's claims: predicates over its runs' metrics, evaluated on what the runs logged. The GUI
// (from the runs in memory) and `udlab-cli lesson check` (from run directories) share this code.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/io/metrics_record.h"

namespace udlab {

// What a claim can read of one run: the last value of each scalar metric, the last logged profiles
// over t, and the parameter count.
struct RunFacts {
  std::string name;
  bool present = false;  // the run exists (was trained / loaded)
  std::string state;     // status.json state, "" = unknown
  std::map<std::string, double> last;  // metric key -> last logged value
  std::map<std::string, std::vector<double>> profiles;  // the last snapshot's profiles
  std::map<std::string, std::vector<double>> eig_abs;   // |λ| of the last snapshot's eigenvalue sets
  double params = -1;
};

// measure:
//   "final"        the last logged value of `key` (e.g. val_accuracy, val_loss)
//   "norm_drift"   max over t of |‖h_t‖ − ‖h_0‖| / ‖h_0‖ (profile state_norm, last snapshot)
//   "grad_reach"   ‖∂L/∂h_0‖ / ‖∂L/∂h_{T−1}‖: how much of the last position's gradient reaches the first
//   "membership"   max over t of the membership error (group models)
//   "eig_abs_min", "eig_abs_max"  the smallest / largest |λ| of eigenvalue set `key` (e.g. lambda.layer0)
//   "params_spread" max/min − 1 of the runs' parameter counts (one value for all runs)
// op: < <= > >=; the claim holds when every run's value satisfies it.
struct Claim {
  std::string text;  // what the lesson says, in words
  std::string measure, key, op;
  double value = 0;
  std::vector<std::string> runs;
};

struct ClaimResult {
  bool evaluated = false;  // false: a run or its metric is missing (the message says which)
  bool held = false;
  std::vector<std::pair<std::string, double>> values;  // per run (or one "all" for params_spread)
  std::string message;  // one line: "held: O(8) 3.1e-07, U(8) 2.4e-07 (< 1e-05)"
};

// Throws udlab::Error "KEY: problem" for an unknown measure or op, a missing key, or an empty run
// list; `run_names` are the lesson's runs, which every claim's runs must be among.
Claim parse_claim(const nlohmann::json& j, const std::vector<std::string>& run_names);
ClaimResult evaluate_claim(const Claim& c, const std::vector<RunFacts>& runs);

// One metrics.jsonl record folded into the facts (last values, last profiles).
void add_record(RunFacts& f, const MetricsRecord& record);
// Reads a run directory's metrics.jsonl, run_info.json and status.json (missing → present = false).
RunFacts read_run_facts(const std::string& dir, const std::string& name);

}  // namespace udlab
