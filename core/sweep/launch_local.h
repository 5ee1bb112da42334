// The local launcher: a pool of `udlab-cli train` processes, N at once, one per sweep point, each
// into its own run directory. The pool records its own pid and each run's pid and exit in
// sweep.json. SIGINT/SIGTERM/SIGHUP to the pool cancel the sweep: running trainers get SIGTERM (they
// stop at the next step, checkpoint kept, status "cancelled") and points not started are marked
// cancelled. A trainer whose pool dies (kill -9) gets SIGTERM from the kernel (PR_SET_PDEATHSIG), so
// no run is left orphaned.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace udlab {

struct LocalPoolOptions {
  std::string cli;   // the udlab-cli executable the runs use
  int parallel = 1;  // runs at once
  int threads = 1;   // threads per run (written into sweep.json; the point configs carry it)
  std::vector<std::string> extra_args;  // appended to every trainer's command line (resume --steps N)
  std::function<void(const std::string&)> say;  // one line per start and end
};

// Runs every point that has not ended yet (a point whose run directory exists is resumed). Returns
// when all have ended or the pool was cancelled; the number of points that did not finish.
int run_local_pool(const std::string& dir, const LocalPoolOptions& opts);

// The command line a point's trainer runs (train --config/--out, or --resume when its run directory
// already has a config.json).
std::vector<std::string> point_train_command(const std::string& cli, const std::string& dir, const std::string& name,
                                             const std::string& label, const std::vector<std::string>& extra = {});

// Cores this process may use (sched_getaffinity), at least 1.
int usable_cores();

// Cancels a local sweep from another process: SIGTERM to the pool (it stops its runs and waits for
// them), then to any run it recorded that is still alive. Waits up to wait_s. Throws when the pool
// runs on another host. Returns a one-line report.
std::string cancel_local_sweep(const std::string& dir, double wait_s = 90);

}  // namespace udlab
