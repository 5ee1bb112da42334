#include "core/sweep/sweep_dir.h"

#include <signal.h>

#include <cerrno>
#include <filesystem>

#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab {
namespace fs = std::filesystem;

nlohmann::json create_sweep_dir(const std::string& dir, const SweepPlan& plan) {
  std::error_code ec;
  if (fs::exists(dir, ec))
    throw Error("sweep directory " + dir + " exists; give a new --out (a sweep never writes into an old one)");
  SweepDir sd{dir};
  fs::create_directories(dir + "/points", ec);
  if (!ec) fs::create_directories(dir + "/runs", ec);
  if (ec) throw Error("cannot create sweep directory " + dir + ": " + ec.message());
  nlohmann::json j;
  j["format"] = "udlab-sweep";
  j["version"] = 1;
  j["title"] = plan.title;
  j["preset"] = plan.preset;
  j["budget"] = plan.budget;
  j["created"] = unix_now();
  j["host"] = this_host();
  j["axes"] = nlohmann::json::array();
  for (const auto& a : plan.axes) j["axes"].push_back({{"key", a.key}, {"values", a.values}});
  j["points"] = nlohmann::json::array();
  int index = 0;
  for (const auto& p : plan.points) {
    nlohmann::json axes = nlohmann::json::array();
    for (const auto& [k, v] : p.axes) axes.push_back({k, v});
    nlohmann::json q = {{"index", index++}, {"name", p.name}, {"label", p.label}, {"axes", axes},
                        {"run", "runs/" + p.name}, {"config", "points/" + p.name + ".json"},
                        {"params", p.params}, {"budget_error", p.budget_error}, {"skip", p.skip}};
    j["points"].push_back(q);
    if (p.skip.empty()) write_json_atomic(sd.point_config(p.name), to_json(p.config));
  }
  j["launcher"] = nlohmann::json::object();
  j["jobs"] = nlohmann::json::object();
  write_sweep_json(dir, j);
  return j;
}

bool has_sweep_json(const std::string& dir) { return file_exists(dir + "/sweep.json"); }

nlohmann::json read_sweep_json(const std::string& dir) {
  const std::string path = dir + "/sweep.json";
  nlohmann::json j = read_json_file(path);
  if (!j.is_object() || j.value("format", std::string()) != "udlab-sweep" || !j.contains("points") ||
      !j["points"].is_array())
    throw Error(path + ": not a udlab sweep file (format udlab-sweep with a points array)");
  for (const auto& p : j["points"])
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string() || sweep_slug(p["name"].get<std::string>()) != p["name"])
      throw Error(path + ": a point has no valid name");
  return j;
}

void write_sweep_json(const std::string& dir, const nlohmann::json& j) {
  write_file_atomic(dir + "/sweep.json", j.dump(1) + "\n");
}

bool PointState::final() const {
  return state == "skipped" || state == "finished" || state == "cancelled" || state == "diverged" || state == "failed" ||
         state == "stopped unexpectedly";
}

std::vector<PointState> sweep_states(const std::string& dir, const nlohmann::json& sweep, const SlurmView& slurm) {
  std::vector<PointState> out;
  const auto& jobs = sweep.contains("jobs") && sweep["jobs"].is_object() ? sweep["jobs"] : nlohmann::json::object();
  // A local pool that is gone without ending (killed) leaves its unstarted points pending for ever.
  const auto& l = sweep.contains("launcher") ? sweep["launcher"] : nlohmann::json();
  bool pool_gone = false;
  if (l.is_object() && l.value("kind", std::string()) == "local" && !l.contains("ended") &&
      l.value("host", std::string()) == this_host()) {
    const long pid = l.value("pid", 0L);
    pool_gone = pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
  }
  for (const auto& p : sweep["points"]) {
    PointState s;
    s.name = p["name"].get<std::string>();
    s.label = p.value("label", s.name);
    s.run_dir = dir + "/runs/" + s.name;
    if (p.contains("axes") && p["axes"].is_array())
      for (const auto& kv : p["axes"])
        if (kv.is_array() && kv.size() == 2 && kv[0].is_string() && kv[1].is_string()) s.axes.emplace_back(kv[0], kv[1]);
    const std::string skip = p.value("skip", std::string());
    const int index = p.value("index", -1);
    if (!skip.empty()) {
      s.state = "skipped";
      s.reason = skip;
    } else if (file_exists(s.run_dir + "/status.json")) {
      try {
        const auto st = read_json_file(s.run_dir + "/status.json");
        s.state = st.value("state", std::string("?"));
        s.reason = st.value("reason", std::string());
        if (st.contains("step") && st["step"].is_number_integer()) s.step = st["step"].get<int>();
        if (std::string why = run_dir_liveness_problem(s.run_dir); !why.empty()) {
          s.state = "stopped unexpectedly";
          s.reason = why;
        }
      } catch (const Error& e) {
        s.state = "unreadable";
        s.reason = e.what();
      }
    } else {
      s.state = "pending";
      if (pool_gone) s.reason = "its pool is gone; udlab-cli sweep resume " + dir + " trains it";
      const auto job = jobs.contains(s.name) ? jobs[s.name] : nlohmann::json();
      if (job.is_object() && job.contains("state") && job["state"].is_string()) {
        s.state = job["state"].get<std::string>();
        s.reason = job.value("reason", std::string());
        if (s.state == "ended") {  // the trainer never wrote a status: it could not start
          s.state = "failed";
          s.reason = job.value("exit", std::string("ended")) + " before writing status.json (see logs/" + s.name + ".log)";
        }
      }
      const auto& l = sweep["launcher"];
      if (s.state == "pending" && l.is_object() && l.contains("job_id")) {
        const std::string job = l["job_id"].get<std::string>();
        bool listed = false;
        for (const auto& [i, st] : slurm.states)
          if (i == index) {
            s.state = st;
            listed = true;
          }
        if (!listed && slurm.complete) {
          s.state = "failed";
          s.reason = "left Slurm's queue without starting its run (see slurm/" + job + "_" + std::to_string(index) + ".out)";
        }
      }
    }
    try {
      const auto cfg = read_json_file(dir + "/points/" + s.name + ".json");
      if (cfg.contains("steps") && cfg["steps"].is_number_integer()) s.steps = cfg["steps"].get<int>();
    } catch (const Error&) {
    }
    out.push_back(std::move(s));
  }
  return out;
}

void mark_unstarted_cancelled(const std::string& dir) {
  nlohmann::json sweep = read_sweep_json(dir);
  bool changed = false;
  for (const auto& s : sweep_states(dir, sweep)) {
    if (!s.final() && !file_exists(s.run_dir + "/status.json")) {
      sweep["jobs"][s.name] = {{"state", "cancelled"}, {"reason", "cancelled before it started"}};
      changed = true;
    }
  }
  if (changed) write_sweep_json(dir, sweep);
}

}  // namespace udlab
