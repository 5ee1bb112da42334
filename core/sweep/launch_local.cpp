#include "core/sweep/launch_local.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <map>
#include <thread>

#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/sweep/sweep_dir.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab {
namespace {

volatile std::sig_atomic_t g_cancel = 0;
void on_cancel_signal(int) { g_cancel = 1; }

std::string exit_text(int st) {
  if (WIFEXITED(st)) return "exited with code " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    const int sig = WTERMSIG(st);
    return "exited with signal " + std::to_string(sig) + (sig == SIGKILL ? " (killed; out of memory?)" : "");
  }
  return "ended";
}

// A trainer that died without a final status (kill -9, OOM) leaves "running": say what happened.
void mark_failed_if_unfinished(const std::string& run_dir, const std::string& why) {
  const std::string path = run_dir + "/status.json";
  nlohmann::json st;
  try {
    st = read_json_file(path);
  } catch (const Error&) {
    st = nlohmann::json::object();
  }
  const std::string state = st.value("state", std::string());
  if (state == "finished" || state == "cancelled" || state == "diverged" || state == "failed") return;
  if (!file_exists(run_dir + "/config.json") && state.empty()) return;  // never got going: the log says why
  st["state"] = "failed";
  st["reason"] = why;
  write_json_atomic(path, st);
}

bool alive(long pid) { return pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno == EPERM); }

// Whether pid is still a process whose command line mentions `needle` (a pid can be reused).
bool process_mentions(long pid, const std::string& needle) {
  try {
    std::string cmd = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (auto& c : cmd)
      if (c == '\0') c = ' ';
    return cmd.find(needle) != std::string::npos;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

int usable_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<std::string> point_train_command(const std::string& cli, const std::string& dir, const std::string& name,
                                             const std::string& label, const std::vector<std::string>& extra) {
  SweepDir sd{dir};
  const std::string run = sd.run(name);
  std::vector<std::string> cmd = {cli, "train", "--quiet", "--resume", run};
  if (!file_exists(run + "/config.json")) {
    cmd = {cli, "train", "--quiet", "--config", sd.point_config(name), "--out", run};
    if (!label.empty() && label.size() <= 80) cmd.insert(cmd.end(), {"--label", label});
  }
  cmd.insert(cmd.end(), extra.begin(), extra.end());
  return cmd;
}

int run_local_pool(const std::string& dir, const LocalPoolOptions& opts) {
  nlohmann::json sweep = read_sweep_json(dir);
  sweep["launcher"] = {{"kind", "local"}, {"pid", long(::getpid())}, {"host", this_host()},
                       {"parallel", opts.parallel}, {"threads", opts.threads}, {"cli", opts.cli}};
  if (!sweep["jobs"].is_object()) sweep["jobs"] = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> todo;  // name, label
  for (const auto& s : sweep_states(dir, sweep))
    if (s.to_run()) {
      todo.emplace_back(s.name, s.label);
      sweep["jobs"].erase(s.name);
    }
  write_sweep_json(dir, sweep);
  std::filesystem::create_directories(dir + "/logs");

  struct sigaction sa = {};
  sa.sa_handler = on_cancel_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int, old_term, old_hup;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  g_cancel = 0;

  std::map<pid_t, std::string> running;  // pid -> point name
  size_t next = 0;
  int not_finished = 0;
  bool cancelling = false;
  auto cancel_deadline = std::chrono::steady_clock::time_point::max();
  const pid_t me = ::getpid();
  auto say = [&](const std::string& s) {
    if (opts.say) opts.say(s);
  };
  while (next < todo.size() || !running.empty()) {
    if (g_cancel && !cancelling) {
      cancelling = true;
      say("cancelling: stopping " + std::to_string(running.size()) + " run(s)");
      for (auto& [pid, name] : running) ::kill(pid, SIGTERM);
      for (; next < todo.size(); ++next) {
        sweep["jobs"][todo[next].first] = {{"state", "cancelled"}, {"reason", "cancelled before it started"}};
        ++not_finished;
      }
      write_sweep_json(dir, sweep);
      cancel_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    }
    if (cancelling && std::chrono::steady_clock::now() > cancel_deadline) {
      for (auto& [pid, name] : running) ::kill(pid, SIGKILL);
      cancel_deadline = std::chrono::steady_clock::time_point::max();
    }
    while (!cancelling && next < todo.size() && int(running.size()) < opts.parallel) {
      const auto& [name, label] = todo[next++];
      const auto cmd = point_train_command(opts.cli, dir, name, label, opts.extra_args);
      std::vector<char*> argv;
      for (const auto& a : cmd) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      const std::string log = SweepDir{dir}.log(name);
      const pid_t pid = ::fork();
      if (pid < 0) throw Error("fork failed: cannot start run " + name);
      if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != me) _exit(143);  // the pool died before prctl
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
          ::dup2(fd, 1);
          ::dup2(fd, 2);
        }
        ::execv(argv[0], argv.data());
        std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
        _exit(127);
      }
      running[pid] = name;
      sweep["jobs"][name] = {{"state", "started"}, {"pid", long(pid)}, {"started", unix_now()}};
      write_sweep_json(dir, sweep);
      say("started " + name + " (pid " + std::to_string(pid) + ")");
    }
    int st = 0;
    const pid_t pid = ::waitpid(-1, &st, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      const std::string name = running[pid];
      running.erase(pid);
      const std::string run = SweepDir{dir}.run(name);
      mark_failed_if_unfinished(run, exit_text(st));
      std::string state = "?";
      try {
        state = read_json_file(run + "/status.json").value("state", std::string("?"));
      } catch (const Error&) {
        state = "failed";
      }
      if (state != "finished") ++not_finished;
      auto& job = sweep["jobs"][name];
      job["state"] = "ended";
      job["exit"] = exit_text(st);
      job["ended"] = unix_now();
      write_sweep_json(dir, sweep);
      std::string tail;
      if (state != "finished" && state != "cancelled") {
        try {
          tail = read_file(SweepDir{dir}.log(name));
          while (!tail.empty() && tail.back() == '\n') tail.pop_back();
          tail = tail.substr(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1);
        } catch (const Error&) {
        }
      }
      say(name + ": " + state + " (" + exit_text(st) + ")" + (tail.empty() ? "" : ": " + tail));
      continue;
    }
    if (pid < 0 && errno == ECHILD && running.empty()) continue;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  sweep["launcher"]["ended"] = unix_now();
  write_sweep_json(dir, sweep);
  return not_finished;
}

std::string cancel_local_sweep(const std::string& dir, double wait_s) {
  nlohmann::json sweep = read_sweep_json(dir);
  const auto& l = sweep["launcher"];
  const std::string host = l.value("host", std::string());
  if (!host.empty() && host != this_host())
    throw Error("the sweep's pool runs on host " + host + "; run udlab-cli sweep cancel there");
  const long pool = l.value("pid", 0L);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  std::string report;
  // The pool is `udlab-cli sweep ...` or `udlab-cli compare ...` (a preset as a sweep); a reused pid is neither.
  if (!l.contains("ended") && alive(pool) && (process_mentions(pool, "sweep") || process_mentions(pool, "compare"))) {
    ::kill(pid_t(pool), SIGTERM);
    while (alive(pool) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (alive(pool)) throw Error("the sweep's pool (pid " + std::to_string(pool) + ") did not stop within " +
                                 std::to_string(int(wait_s)) + " s");
    report = "stopped the sweep's pool (pid " + std::to_string(pool) + ")";
    sweep = read_sweep_json(dir);
  }
  // Runs the pool no longer watches (it was killed): stop them directly.
  int stopped = 0;
  for (auto it = sweep["jobs"].begin(); it != sweep["jobs"].end(); ++it) {
    const long pid = it.value().value("pid", 0L);
    if (alive(pid) && process_mentions(pid, "runs/" + it.key())) {
      ::kill(pid_t(pid), SIGTERM);
      ++stopped;
      while (alive(pid) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  mark_unstarted_cancelled(dir);
  if (stopped) report += std::string(report.empty() ? "" : "; ") + "stopped " + std::to_string(stopped) + " run(s)";
  return report.empty() ? "nothing was running" : report;
}

}  // namespace udlab
