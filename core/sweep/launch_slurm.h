// The Slurm launcher: one `sbatch --array` job for a sweep, one array task per point, each running
// `udlab-cli train` into the point's run directory on the shared filesystem (a task whose directory
// already has a config.json resumes it, so a requeued or resubmitted task continues). Slurm's own
// state (squeue, then sacct) answers for points whose trainer has not written a status yet.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace udlab {

struct SlurmOptions {
  std::string cli;            // udlab-cli as the compute nodes see it (absolute)
  std::string partition, time, mem, gres, account;  // empty: Slurm's defaults
  int cpus_per_task = 1;      // also the trainer's --threads
  int max_running = 0;        // --array ...%N; 0 = no limit
  std::vector<std::string> setup;  // shell lines before the trainer (module load ..., source venv)
  std::vector<std::string> extra_args;  // appended to every trainer's command line (resume --steps N)
};

// The batch script for the points of sweep.json that are not skipped and have not finished.
// `dir` must be absolute. Throws when there is nothing left to run.
std::string slurm_script(const std::string& dir, const nlohmann::json& sweep, const SlurmOptions& o);
// Writes DIR/slurm/sweep.sbatch, submits it and records the job in sweep.json. Returns the job id.
// Throws one line when sbatch is missing or refuses the job (its message); sweep.json then says so.
std::string submit_slurm_sweep(const std::string& dir, const SlurmOptions& o);
// Array index -> Slurm state ("PENDING (Resources)", "RUNNING", "COMPLETED", ...) from squeue, then
// sacct for tasks squeue no longer lists. `note` says why nothing could be asked.
struct SlurmView;
SlurmView slurm_array_states(const std::string& job_id, std::string& note);
// scancel JOB; throws with scancel's message when it fails.
void cancel_slurm_job(const std::string& job_id);

}  // namespace udlab
