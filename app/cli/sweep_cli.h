// udlab-cli sweep and compare share one path: a plan (grid, JSON file or preset) becomes a sweep
// directory, run by the local pool or submitted to Slurm, summarised from the directory once its
// runs end (compare.md / compare.csv). Files: sweep_command.cpp (new sweeps, compare),
// sweep_manage.cpp (status, cancel, resume, summary), sweep_summary.cpp (the table).
#pragma once
#include <string>
#include <vector>

#include "cli/compare_table.h"
#include "cli/flags.h"
#include "core/sweep/launch_local.h"
#include "core/sweep/launch_slurm.h"

namespace udlab::cli {

// The launcher flags every sweep-running command takes (values), and their help text.
const std::vector<std::string>& launcher_flag_names();
std::string launcher_flags_help();

// The local pool's size: --parallel, else default_parallel, else (0) one per core up to `runs`.
int pool_parallel(const Flags& f, int default_parallel, int runs);

// Runs (local) or submits (slurm) every unfinished point of the sweep in `dir` as the flags say.
// Local: waits, prints each start/end, writes and prints the summary; returns the exit code.
// Slurm: submits; with --wait, polls until every point ended, then summarises.
// default_parallel: the pool size when --parallel is not given (0 = as many as the cores allow).
// resume: f's training flags go to every trainer (sweep resume DIR --steps N); a new sweep's are in
// its point configs already.
int launch_sweep(const std::string& dir, const Flags& f, int default_parallel, bool resume = false);

// Rows of the summary table from the sweep directory (status.json and metrics.jsonl of each run).
std::vector<CompareRow> sweep_rows(const std::string& dir);
// Writes DIR/compare.md and DIR/compare.csv; returns the Markdown.
std::string write_sweep_summary(const std::string& dir);
// DIR/compare.png through `udlab-cli plot` (the figure renderer; a Qt-less build says why): every
// finished run's validation accuracy (tasks with accuracy) or loss against the step, labelled as in
// the table.
void write_compare_figure(const std::string& dir);
// The absolute path of the running udlab-cli.
std::string self_executable();

int run_sweep_manage(const std::string& sub, const std::vector<std::string>& args);

}  // namespace udlab::cli
