#include "core/sweep/launch_slurm.h"

#include <filesystem>
#include <sstream>

#include "core/io/run_liveness.h"
#include "core/sweep/subprocess.h"
#include "core/sweep/sweep_dir.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab {
namespace {

std::string quoted(const std::string& s) {  // one shell word
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

std::string slurm_script(const std::string& dir, const nlohmann::json& sweep, const SlurmOptions& o) {
  std::vector<int> indexes;
  std::string names = "names=(", labels = "labels=(";
  int i = 0;
  for (const auto& s : sweep_states(dir, sweep)) {
    names += " " + quoted(s.name);
    labels += " " + quoted(s.label.size() <= 80 ? s.label : "");
    if (s.to_run()) indexes.push_back(i);
    ++i;
  }
  if (indexes.empty()) throw Error("every point of " + dir + " has ended; nothing to submit");
  std::string array;
  for (size_t k = 0; k < indexes.size(); ++k) array += (k ? "," : "") + std::to_string(indexes[k]);
  if (o.max_running > 0) array += "%" + std::to_string(o.max_running);
  std::string s = "#!/bin/bash\n# Written by udlab-cli sweep: one array task per point of " + dir + "/sweep.json.\n";
  s += "#SBATCH --job-name=udlab-" + sweep_slug(std::filesystem::path(dir).filename().string()) + "\n";
  s += "#SBATCH --array=" + array + "\n";
  s += "#SBATCH --cpus-per-task=" + std::to_string(o.cpus_per_task) + "\n";
  s += "#SBATCH --ntasks=1\n";
  if (!o.partition.empty()) s += "#SBATCH --partition=" + o.partition + "\n";
  if (!o.time.empty()) s += "#SBATCH --time=" + o.time + "\n";
  if (!o.mem.empty()) s += "#SBATCH --mem=" + o.mem + "\n";
  if (!o.gres.empty()) s += "#SBATCH --gres=" + o.gres + "\n";
  if (!o.account.empty()) s += "#SBATCH --account=" + o.account + "\n";
  s += "#SBATCH --output=" + dir + "/slurm/%A_%a.out\n";
  s += "set -u\n";
  for (const auto& line : o.setup) s += line + "\n";
  s += names + " )\n" + labels + " )\n";
  s += "name=${names[$SLURM_ARRAY_TASK_ID]}\nlabel=${labels[$SLURM_ARRAY_TASK_ID]}\n";
  s += "sweep=" + quoted(dir) + "\ncli=" + quoted(o.cli) + "\nrun=\"$sweep/runs/$name\"\n";
  s += "threads=${SLURM_CPUS_PER_TASK:-" + std::to_string(o.cpus_per_task) + "}\n";
  std::string extra;
  for (const auto& a : o.extra_args) extra += " " + quoted(a);
  s += "if [ -f \"$run/config.json\" ]; then\n"
       "  exec \"$cli\" train --quiet --resume \"$run\" --threads \"$threads\"" + extra + "\n"
       "else\n"
       "  exec \"$cli\" train --quiet --config \"$sweep/points/$name.json\" --out \"$run\" --threads \"$threads\" "
       "${label:+--label \"$label\"}" + extra + "\n"
       "fi\n";
  return s;
}

std::string submit_slurm_sweep(const std::string& dir, const SlurmOptions& o) {
  nlohmann::json sweep = read_sweep_json(dir);
  const std::string script = dir + "/slurm/sweep.sbatch";
  std::filesystem::create_directories(dir + "/slurm");
  write_file_atomic(script, slurm_script(dir, sweep, o));
  for (const auto& s : sweep_states(dir, sweep))
    if (s.to_run() && sweep.contains("jobs") && sweep["jobs"].is_object()) sweep["jobs"].erase(s.name);
  nlohmann::json old_ids = sweep["launcher"].is_object() && sweep["launcher"].contains("job_ids")
                               ? sweep["launcher"]["job_ids"] : nlohmann::json::array();
  sweep["launcher"] = {{"kind", "slurm"}, {"script", "slurm/sweep.sbatch"}, {"cli", o.cli},
                       {"partition", o.partition}, {"time", o.time}, {"mem", o.mem}, {"gres", o.gres},
                       {"cpus_per_task", o.cpus_per_task}, {"submitted_from", this_host()}};
  auto refuse = [&](const std::string& why) {
    sweep["launcher"]["error"] = why;
    write_sweep_json(dir, sweep);
    return Error(why + "; the sweep directory " + dir + " is kept: fix that, then run udlab-cli sweep resume " + dir +
                 " --launcher slurm");
  };
  if (find_on_path("sbatch").empty())
    throw refuse("sbatch not found on PATH (--launcher slurm needs a Slurm login node; module load slurm?)");
  CommandResult r;
  try {
    r = run_command({"sbatch", "--parsable", script}, 120);
  } catch (const Error& e) {
    throw refuse(std::string("sbatch: ") + e.what());
  }
  const std::string out = last_line(r.out);
  const std::string id = out.substr(0, out.find(';'));
  if (r.exit_code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw refuse("sbatch refused the job: " + one_line(last_line(r.err.empty() ? r.out : r.err)));
  sweep["launcher"]["job_id"] = id;
  sweep["launcher"]["submitted"] = unix_now();
  old_ids.push_back(id);
  sweep["launcher"]["job_ids"] = old_ids;  // every submission of this sweep, oldest first
  write_sweep_json(dir, sweep);
  return id;
}

SlurmView slurm_array_states(const std::string& job_id, std::string& note) {
  SlurmView view;
  auto& states = view.states;
  auto index_of = [&](const std::string& id) -> int {  // "123_4" -> 4
    const auto u = id.find('_');
    if (u == std::string::npos || id.substr(0, u) != job_id) return -1;
    try {
      return std::stoi(id.substr(u + 1));
    } catch (...) {
      return -1;
    }
  };
  std::vector<int> seen;
  try {
    CommandResult r = run_command({"squeue", "-h", "-r", "-j", job_id, "-o", "%i|%T|%r"}, 30);
    std::stringstream ss(r.out);
    for (std::string line; std::getline(ss, line);) {
      const auto a = line.find('|'), b = line.rfind('|');
      if (a == std::string::npos || b == a) continue;
      const int i = index_of(line.substr(0, a));
      if (i < 0) continue;
      std::string st = line.substr(a + 1, b - a - 1), why = line.substr(b + 1);
      if (!why.empty() && why != "None") st += " (" + why + ")";
      states.emplace_back(i, st);
      seen.push_back(i);
    }
    if (r.exit_code != 0) note = "squeue: " + one_line(last_line(r.err));
    else view.complete = true;
  } catch (const Error& e) {
    note = e.what();
  }
  try {
    CommandResult r = run_command({"sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State"}, 30);
    std::stringstream ss(r.out);
    for (std::string line; std::getline(ss, line);) {
      const auto a = line.find('|');
      if (a == std::string::npos) continue;
      const int i = index_of(line.substr(0, a));
      if (i >= 0 && std::find(seen.begin(), seen.end(), i) == seen.end()) states.emplace_back(i, line.substr(a + 1));
    }
  } catch (const Error&) {
  }
  return view;
}

void cancel_slurm_job(const std::string& job_id) {
  CommandResult r = run_command({"scancel", job_id}, 60);
  if (r.exit_code != 0) throw Error("scancel " + job_id + ": " + one_line(last_line(r.err)));
}

}  // namespace udlab
