// Who is training a run directory, and whether it is still alive. The training process holds
// DIR/lock (an flock, so the kernel releases it however the process dies, kill -9 included) and a
// thread rewrites status.json every kHeartbeatSeconds with its pid, host and a heartbeat time. A
// reader that finds "running" or "paused" with a heartbeat older than kStaleSeconds (or, on the same
// host, a pid that no longer exists) knows the writer stopped unexpectedly.
#pragma once
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/train/train_observer.h"

namespace udlab {

constexpr int kHeartbeatSeconds = 2;
constexpr int kStaleSeconds = 20;

std::string this_host();
double unix_now();  // seconds since the epoch

// Exclusive ownership of a run directory for one training process. Throws udlab::Error naming the
// holder's pid and host when another process trains into it.
class RunLock {
 public:
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

// Writes status.json (atomically) with pid, host and heartbeat, now and every kHeartbeatSeconds
// from its own thread, so a process busy in a long step or paused still shows it is alive.
class StatusWriter {
 public:
  explicit StatusWriter(std::string status_path);
  ~StatusWriter();  // stops the heartbeat thread (the last status stays on disk)
  StatusWriter(const StatusWriter&) = delete;
  StatusWriter& operator=(const StatusWriter&) = delete;
  void write(const RunStatus& s);
  // The step the next heartbeat reports (cheap: no file is written now).
  void set_step(int step);

 private:
  void write_locked();
  std::string path_;
  RunStatus last_;
  bool have_ = false, stop_ = false;
  std::mutex m_;
  std::condition_variable cv_;
  std::thread thread_;
};

// For a status.json object whose state is running or paused: "" while its writer is alive, else
// why it is not ("stopped unexpectedly: ..."). `file_age_s`: seconds since status.json was written,
// used for writers that predate the heartbeat. Final states always give "".
std::string liveness_problem(const nlohmann::json& status, double file_age_s);
// Reads DIR/status.json and applies liveness_problem; "" when unreadable or not live; a line saying
// so when DIR itself is gone.
std::string run_dir_liveness_problem(const std::string& dir);

}  // namespace udlab
