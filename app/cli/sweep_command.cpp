// udlab-cli sweep: a base config and axes (--grid, --file) or a preset become one run directory per
// point under a sweep directory, trained by a local process pool or one Slurm array job.
// udlab-cli compare: a preset as a sweep with compare's defaults (one run at a time, one validation
// at the end), whose summary table is printed.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "cli/command.h"
#include "cli/sweep_cli.h"
#include "core/data/dataset.h"
#include "core/sweep/preset.h"
#include "core/sweep/subprocess.h"
#include "core/sweep/sweep_dir.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

// --grid takes several words (group=o,u d=8,16): gather them before the generic flag parser.
std::vector<std::string> take_grid(std::vector<std::string>& args, bool& given) {
  std::vector<std::string> words, rest;
  given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--grid") {
      given = true;
      while (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) words.push_back(args[++i]);
    } else if (args[i].rfind("--grid=", 0) == 0) {
      given = true;
      words.push_back(args[i].substr(7));
    } else {
      rest.push_back(args[i]);
    }
  }
  args = rest;
  return words;
}

std::set<std::string> own_keys(std::set<std::string> keys) {
  for (const auto& k : launcher_flag_names()) keys.insert(k);
  for (const auto& p : presets())
    for (const auto& o : p.options) keys.insert(o);
  return keys;
}

std::string default_sweep_dir(const std::string& what) {
  std::time_t t = std::time(nullptr);
  char b[64];
  std::strftime(b, sizeof b, "%Y%m%d-%H%M%S", std::localtime(&t));
  return "sweeps/" + std::string(b) + "-" + what;
}

// Builds the plan from the flags: a preset (crossed with any --grid), or a grid / sweep file.
SweepPlan plan_from_flags(const Flags& f, RunConfig base, const std::vector<std::string>& grid_words, bool grid_given) {
  size_t budget = 0;
  if (f.has("budget")) {
    const int b = parse_int("budget", f.get("budget"));
    if (b <= 0) throw Error("--budget must be positive");
    budget = size_t(b);
  }
  if (grid_given && grid_words.empty()) throw Error("empty grid: --grid needs axes, e.g. --grid group=o,u d=8,16 seed=1,2");
  std::vector<SweepAxis> axes = parse_grid(grid_words);
  if (f.has("file")) {
    auto file_axes = read_sweep_file(f.get("file"), base);
    file_axes.insert(file_axes.end(), axes.begin(), axes.end());
    axes = file_axes;
    validate(base);
  }
  SweepPlan plan;
  if (f.has("preset")) {
    const Preset& preset = find_preset(f.get("preset"));
    if (preset.needs_budget && !budget) throw Error("--preset " + preset.name + " needs --budget N");
    PresetContext ctx;
    ctx.base = base;
    ctx.budget = budget;
    ctx.model_given = f.config_has("model");
    for (const auto& o : preset.options)
      if (f.has(o)) ctx.options[o] = f.get(o);
    plan = cross(preset.make(ctx), axes);
    plan.preset = preset.name;
    if (plan.title.empty()) plan.title = preset.name;
  } else {
    if (axes.empty()) throw Error("empty grid: give --grid key=v1,v2 ..., --file SWEEP.json or --preset NAME");
    plan = grid_plan(base, axes);
    plan.title = "sweep";
    for (const auto& a : axes) plan.title += " " + a.key + "=" + [&] {
      std::string v;
      for (const auto& x : a.values) v += (v.empty() ? "" : ",") + x;
      return v;
    }();
  }
  plan.budget = budget;
  resolve_plan(plan, [](const TrainConfig& t) {
    auto data = open_dataset(t);
    return std::make_pair(int(data->vocab().size()), data->fixed_seq_len() > 0 ? data->fixed_seq_len() : t.seq_len);
  });
  return plan;
}

// The pool size and threads per run, written into every point's config before the directory exists.
void choose_threads(SweepPlan& plan, const Flags& f, int default_parallel, bool threads_given) {
  const bool slurm = f.get("launcher", "local") == "slurm";
  int runs = 0;
  for (const auto& p : plan.points) runs += p.skip.empty();
  int threads;
  if (slurm) {
    threads = f.has("cpus-per-task") ? parse_int("cpus-per-task", f.get("cpus-per-task")) : 1;
  } else {
    threads = std::max(1, usable_cores() / pool_parallel(f, default_parallel, runs));
  }
  if (threads_given) return;
  for (auto& p : plan.points) p.config.train.threads = threads;
}

int new_sweep(std::vector<std::string> args, bool compare) {
  bool grid_given = false;
  const auto grid_words = take_grid(args, grid_given);
  Flags f = parse_flags(args, own_keys({"preset", "budget", "out", "config", "file"}), {"wait"});
  if (f.help) {
    if (compare)
      std::printf(
          "usage: udlab-cli compare (--preset NAME | --groups o,u,su,torus,blockdiag:2 [--model M]) [--budget N]\n"
          "                         [--grid seed=1,2,3] [--out DIR] [launcher flags] [training flags]\n"
          "Trains every model of a preset on the same data with the same training flags, each sized to --budget N\n"
          "parameters when given (rows that miss ±2%% are marked), as a sweep (one run at a time unless --parallel),\n"
          "and prints the table it writes to DIR/compare.md and DIR/compare.csv, with DIR/compare.png (validation\n"
          "accuracy or loss per step). Validation runs once, after the last\n"
          "step, unless --eval-every is given. Presets:\n");
    else
      std::printf(
          "usage: udlab-cli sweep (--grid KEY=V1,V2 ... | --file SWEEP.json | --preset NAME [--budget N]) [--out DIR]\n"
          "                       [launcher flags] [training flags]\n"
          "       udlab-cli sweep status|cancel|resume|summary DIR\n"
          "One run directory per point (the Cartesian product of the axes, e.g. --grid group=o,u d=8,16 seed=1,2)\n"
          "under DIR/runs/, with DIR/sweep.json listing the axes, points, launcher and job ids. Axes are config keys.\n"
          "A sweep file is {\"base\": {config keys}, \"grid\": {\"group\": [\"o\", \"u\"], \"d\": [8, 16]}}. With --preset,\n"
          "--grid axes are crossed with the preset's points. The summary (DIR/compare.md, .csv) is written when\n"
          "every run has ended (local: at once; slurm: --wait, or udlab-cli sweep summary DIR). Presets:\n");
    for (const auto& p : presets()) {
      std::string opts;
      for (const auto& o : p.options) opts += " --" + o + " ...";
      std::printf("  %-12s%s%s\n", p.name.c_str(), p.summary.c_str(), opts.c_str());
    }
    std::printf("\n%s\n%s", launcher_flags_help().c_str(), config_flags_help().c_str());
    return 0;
  }
  if (compare) {
    if (f.has("preset") == f.has("groups")) throw Error("give exactly one of --preset NAME and --groups LIST");
    if (f.has("groups")) f.own["preset"] = "groups";
  } else if (f.has("groups") && !f.has("preset")) {
    f.own["preset"] = "groups";
  }
  RunConfig base = config_from_flags(f);
  if (compare) {
    if (!f.config_has("eval_every")) base.train.eval_every = base.train.steps;
    if (!f.config_has("log_every")) base.train.log_every = std::min(base.train.log_every, base.train.steps);
    if (!f.config_has("checkpoint_every")) base.train.checkpoint_every = base.train.steps;
  }
  const std::string launcher = f.get("launcher", "local");
  if (launcher != "local" && launcher != "slurm") throw Error("unknown --launcher '" + launcher + "' (local or slurm)");
  if (launcher == "slurm" && find_on_path("sbatch").empty())
    throw Error("sbatch not found on PATH (--launcher slurm needs a Slurm login node; module load slurm?)");
  SweepPlan plan = plan_from_flags(f, base, grid_words, grid_given);
  if (compare && plan.budget) plan.title += ", budget " + std::to_string(plan.budget) + " parameters";
  if (compare)
    plan.title += ": " + base.train.dataset + ", " + std::to_string(base.train.steps) + " steps, batch " +
                  std::to_string(base.train.batch) + ", lr " + std::to_string(base.train.lr).substr(0, 6) + ", seed " +
                  std::to_string(base.train.seed);
  const int default_parallel = compare ? 1 : 0;
  choose_threads(plan, f, default_parallel, f.config_has("threads"));
  const std::string dir = f.has("out") ? f.get("out") : default_sweep_dir(compare ? "compare" : "sweep");
  create_sweep_dir(dir, plan);
  if (launcher == "local") std::fprintf(stderr, "sweep directory: %s (%zu points)\n", dir.c_str(), plan.points.size());
  const int rc = launch_sweep(dir, f, default_parallel);
  if (compare && (launcher == "local" || (f.has("wait") && rc != 124))) write_compare_figure(dir);
  return rc;
}

int run_sweep(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "status" || args[0] == "cancel" || args[0] == "resume" || args[0] == "summary"))
    return run_sweep_manage(args[0], {args.begin() + 1, args.end()});
  return new_sweep(args, false);
}

int run_compare(const std::vector<std::string>& args) { return new_sweep(args, true); }

CommandRegistrar reg_sweep({"sweep", "train a grid or preset of runs on a local pool or Slurm; status, cancel", run_sweep});
CommandRegistrar reg_compare({"compare", "train a preset's models at one parameter budget; writes a Markdown/CSV table",
                              run_compare});

}  // namespace
}  // namespace udlab::cli
