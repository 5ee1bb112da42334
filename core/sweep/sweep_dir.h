// A sweep directory: SWEEP/sweep.json (the plan's axes and points, the launcher, its job ids),
// SWEEP/points/NAME.json (each point's config), SWEEP/runs/NAME/ (each point's run directory, written
// by its own `udlab-cli train`), SWEEP/logs/ (local runs' stderr) and SWEEP/slurm/ (the sbatch script
// and Slurm's output files). sweep.json is rewritten atomically; only the launching process writes it.
// The GUI and `udlab-cli sweep status` read it. Schema: docs/sweeps.md.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/sweep/sweep_plan.h"

namespace udlab {


struct SweepDir {
  std::string dir;
  std::string json() const { return dir + "/sweep.json"; }
  std::string point_config(const std::string& name) const { return dir + "/points/" + name + ".json"; }
  std::string run(const std::string& name) const { return dir + "/runs/" + name; }
  std::string log(const std::string& name) const { return dir + "/logs/" + name + ".log"; }
};

// Creates DIR (refusing one that exists: "sweep directory DIR exists; choose a new --out or ...")
// with sweep.json and points/*.json for a resolved plan. Returns sweep.json's content.
nlohmann::json create_sweep_dir(const std::string& dir, const SweepPlan& plan);
// Reads DIR/sweep.json; throws udlab::Error naming the file when it is missing or malformed.
nlohmann::json read_sweep_json(const std::string& dir);
void write_sweep_json(const std::string& dir, const nlohmann::json& j);
bool has_sweep_json(const std::string& dir);

// One point as a reader sees it now.
struct PointState {
  std::string name, label, run_dir;  // run_dir absolute or relative as DIR was given
  std::vector<std::pair<std::string, std::string>> axes;
  std::string state;   // skipped | pending | running | paused | finished | cancelled | diverged | failed |
                       // stopped unexpectedly | (Slurm's state, e.g. PENDING, for a run not started yet)
  std::string reason;  // why, when there is one
  int step = 0, steps = 0;
  bool final() const;  // the point will not change any more by itself
  // Whether launching (or resuming) the sweep trains it: everything but finished, skipped, diverged.
  bool to_run() const { return state != "finished" && state != "skipped" && state != "diverged"; }
};
// What Slurm says about a sweep's array job: array index -> state (from squeue/sacct). `complete`:
// the query succeeded, so a submitted task it does not list has left the queue.
struct SlurmView {
  std::vector<std::pair<int, std::string>> states;
  bool complete = false;
};
// Every point's state from its run directory's status.json (with the liveness check) and, for a
// point not started, the launcher's record in sweep.json (local: pending/cancelled) or Slurm's view
// (a task that left the queue without a status.json failed to start: its Slurm output says why).
std::vector<PointState> sweep_states(const std::string& dir, const nlohmann::json& sweep, const SlurmView& slurm = {});
// Marks every point that has not started (no status.json) as cancelled in sweep.json.
void mark_unstarted_cancelled(const std::string& dir);

}  // namespace udlab
