// Launching a sweep directory's points, and the commands on an existing one: udlab-cli sweep
// status|cancel|resume|summary DIR.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "cli/sweep_cli.h"
#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/sweep/sweep_dir.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

SlurmView slurm_states_of(const nlohmann::json& sweep, std::string& note) {
  const auto& l = sweep["launcher"];
  if (!l.is_object() || l.value("kind", std::string()) != "slurm" || !l.contains("job_id")) return {};
  return slurm_array_states(l["job_id"].get<std::string>(), note);
}

bool all_ended(const std::string& dir, std::string* note = nullptr) {
  const auto sweep = read_sweep_json(dir);
  std::string n;
  for (const auto& s : sweep_states(dir, sweep, slurm_states_of(sweep, n)))
    if (!s.final()) return false;
  if (note) *note = n;
  return true;
}

int exit_code_of(const std::string& dir) {
  bool cancelled = false, bad = false;
  for (const auto& s : sweep_states(dir, read_sweep_json(dir))) {
    cancelled |= s.state == "cancelled";
    bad |= s.state != "finished" && s.state != "skipped" && s.state != "cancelled";
  }
  return bad ? 1 : cancelled ? 130 : 0;
}

int print_status(const std::string& dir) {
  const auto sweep = read_sweep_json(dir);
  std::string note;
  const auto states = sweep_states(dir, sweep, slurm_states_of(sweep, note));
  const auto& l = sweep["launcher"];
  std::string launcher = l.is_object() ? l.value("kind", std::string("not launched")) : "not launched";
  if (l.is_object() && l.contains("job_id")) launcher += " job " + l["job_id"].get<std::string>();
  if (l.is_object() && l.contains("error")) launcher += " (" + l["error"].get<std::string>() + ")";
  std::printf("%s: %s, %zu points, launcher %s\n", dir.c_str(), sweep.value("title", std::string()).c_str(),
              states.size(), launcher.c_str());
  size_t width = 4;
  for (const auto& s : states) width = std::max(width, s.name.size());
  std::map<std::string, int> counts;
  for (const auto& s : states) {
    ++counts[s.state];
    std::string where = s.steps ? " " + std::to_string(s.step) + "/" + std::to_string(s.steps) : "";
    std::printf("  %-*s  %s%s%s%s\n", int(width), s.name.c_str(), s.state.c_str(), where.c_str(),
                s.reason.empty() ? "" : ": ", s.reason.c_str());
  }
  std::string summary;
  for (const auto& [state, n] : counts) summary += (summary.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  std::printf("%s\n", summary.c_str());
  if (!note.empty()) std::printf("note: %s\n", note.c_str());
  return 0;
}

int wait_for_end(const std::string& dir, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  std::string note;
  while (!all_ended(dir, &note)) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "gave up waiting after %.0f s; the runs go on (udlab-cli sweep status %s)\n", timeout_s, dir.c_str());
      return 124;
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  return 0;
}

// Training flags given to `sweep resume`, passed on to every trainer (they override the run's config).
std::vector<std::string> passthrough(const Flags& f) {
  std::vector<std::string> out;
  for (const auto& [k, v] : f.config) {
    std::string flag = "--" + k;
    for (auto& c : flag)
      if (c == '_') c = '-';
    out.push_back(flag + "=" + v);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& launcher_flag_names() {
  static const std::vector<std::string> names = {"launcher", "parallel", "partition", "time", "cpus-per-task", "mem",
                                                 "gres", "account", "max-running", "setup", "cli", "wait-timeout"};
  return names;
}

std::string launcher_flags_help() {
  return "launcher flags:\n"
         "  --launcher local|slurm   local (default): a process pool on this machine; slurm: one sbatch --array job\n"
         "  --parallel N             local: runs at once (default: one per core, up to the points; threads per run\n"
         "                           = cores / N unless --threads is given)\n"
         "  --partition P --time T --cpus-per-task C --mem M --gres G --account A   slurm: passed to sbatch\n"
         "                           (C is also each run's --threads; default 1)\n"
         "  --max-running N          slurm: at most N array tasks at once (--array ...%N)\n"
         "  --setup 'LINE'           slurm: a shell line run before each trainer (module load ...; source ...)\n"
         "  --cli PATH               slurm: udlab-cli as the compute nodes see it (default: this executable)\n"
         "  --wait                   slurm: wait for every run to end, then write the summary\n"
         "  --wait-timeout S         give up waiting after S seconds (default: no limit)\n";
}

int pool_parallel(const Flags& f, int default_parallel, int runs) {
  const int n = f.has("parallel") ? parse_int("parallel", f.get("parallel")) : default_parallel;
  if (f.has("parallel") && n <= 0) throw Error("--parallel must be positive");
  return n > 0 ? n : std::max(1, std::min(runs, usable_cores()));
}

std::string self_executable() {
  char b[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", b, sizeof b - 1);
  if (n <= 0) throw Error("cannot find the udlab-cli executable (/proc/self/exe)");
  return std::string(b, size_t(n));
}

int launch_sweep(const std::string& dir, const Flags& f, int default_parallel, bool resume) {
  const std::string launcher = f.get("launcher", "local");
  const double wait_timeout = f.has("wait-timeout") ? parse_double("wait-timeout", f.get("wait-timeout")) : 1e12;
  if (launcher == "slurm") {
    SlurmOptions o;
    o.cli = f.has("cli") ? f.get("cli") : self_executable();
    o.partition = f.get("partition");
    o.time = f.get("time");
    o.mem = f.get("mem");
    o.gres = f.get("gres");
    o.account = f.get("account");
    o.cpus_per_task = f.has("cpus-per-task") ? parse_int("cpus-per-task", f.get("cpus-per-task")) : 1;
    if (o.cpus_per_task <= 0) throw Error("--cpus-per-task must be positive");
    o.max_running = f.has("max-running") ? parse_int("max-running", f.get("max-running")) : 0;
    if (f.has("setup")) o.setup.push_back(f.get("setup"));
    if (resume) o.extra_args = passthrough(f);
    const std::string abs = std::filesystem::absolute(dir).lexically_normal().string();
    const std::string id = submit_slurm_sweep(abs, o);
    std::fprintf(stderr, "submitted Slurm array job %s (%s/slurm/sweep.sbatch); watch it with udlab-cli sweep status %s\n",
                 id.c_str(), abs.c_str(), dir.c_str());
    if (!f.has("wait")) return 0;
    if (int rc = wait_for_end(dir, wait_timeout)) return rc;
  } else {
    LocalPoolOptions o;
    o.cli = self_executable();
    const int cores = usable_cores();
    int runs = 0;
    for (const auto& s : sweep_states(dir, read_sweep_json(dir))) runs += s.to_run();
    o.parallel = pool_parallel(f, default_parallel, runs);
    o.threads = std::max(1, cores / o.parallel);
    o.say = [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
    if (resume) o.extra_args = passthrough(f);
    std::fprintf(stderr, "local pool: %d run(s) at once on %d core(s)\n", o.parallel, cores);
    int most = 0;
    for (const auto& s : sweep_states(dir, read_sweep_json(dir)))
      if (s.to_run()) {
        const auto cfg = read_json_file(dir + "/points/" + s.name + ".json");
        most = std::max(most, cfg.value("threads", 0) == 0 ? cores : cfg.value("threads", 0));
      }
    if (most * o.parallel > cores)
      std::fprintf(stderr, "note: %d run(s) at once with up to %d thread(s) each oversubscribe the %d core(s)\n", o.parallel,
                   most, cores);
    run_local_pool(dir, o);
  }
  const std::string md = write_sweep_summary(dir);
  std::printf("%s", md.c_str());
  return exit_code_of(dir);
}

int run_sweep_manage(const std::string& sub, const std::vector<std::string>& args) {
  // resume takes training flags too (--steps N extends every run); the other subcommands none.
  Flags f = parse_flags(std::vector<std::string>(args.begin() + std::min<size_t>(1, args.size()), args.end()),
                        {launcher_flag_names().begin(), launcher_flag_names().end()}, {"wait"}, sub == "resume");
  if (args.empty() || args[0].rfind("--", 0) == 0 || f.help) {
    std::printf("usage: udlab-cli sweep %s DIR%s\n", sub.c_str(), sub == "resume" ? " [launcher flags]" : "");
    return args.empty() ? 2 : 0;
  }
  const std::string dir = args[0];
  const nlohmann::json sweep = read_sweep_json(dir);
  if (sub == "status") return print_status(dir);
  if (sub == "summary") {
    std::string note;
    if (!all_ended(dir, &note)) throw Error("runs of " + dir + " are still going (udlab-cli sweep status " + dir + ")");
    std::printf("%s", write_sweep_summary(dir).c_str());
    return 0;
  }
  if (sub == "cancel") {
    const auto& l = sweep["launcher"];
    const std::string kind = l.is_object() ? l.value("kind", std::string()) : "";
    if (kind == "slurm") {
      if (!l.contains("job_id")) throw Error(dir + ": the Slurm job was never submitted");
      cancel_slurm_job(l["job_id"].get<std::string>());
      mark_unstarted_cancelled(dir);
      std::printf("scancel %s: cancelled\n", l["job_id"].get<std::string>().c_str());
    } else {
      std::printf("%s\n", cancel_local_sweep(dir).c_str());
    }
    return 0;
  }
  // resume: launch what has not ended yet.
  const auto& l = sweep["launcher"];
  if (l.is_object() && l.value("kind", std::string()) == "local" && !l.contains("ended") &&
      l.value("host", std::string()) == this_host() && ::kill(pid_t(l.value("pid", 0L)), 0) == 0)
    throw Error("the sweep's pool (pid " + std::to_string(l.value("pid", 0L)) + ") still runs it");
  return launch_sweep(dir, f, 0, true);
}

}  // namespace udlab::cli
