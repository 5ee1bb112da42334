// Run-directory liveness: the lock refuses a second holder by name, status.json carries pid, host and
// a heartbeat that keeps being rewritten, and a reader tells a live writer from one that stopped.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/util/error.h"

using namespace udlab;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("udlab-liveness-" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};
}  // namespace

TEST(RunLiveness, LockRefusesASecondHolderNamingThePid) {
  TempDir d;
  {
    RunLock first(d.path.string());
    try {
      RunLock second(d.path.string());
      FAIL() << "a second lock was granted";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("pid " + std::to_string(::getpid())), std::string::npos) << m;
      EXPECT_NE(m.find("already being trained"), std::string::npos) << m;
    }
  }
  RunLock again(d.path.string());  // released with its holder
}

TEST(RunLiveness, HeartbeatIsRewrittenWithPidHostAndStep) {
  TempDir d;
  const std::string p = (d.path / "status.json").string();
  StatusWriter w(p);
  RunStatus s;
  s.step = 3;
  w.write(s);
  auto j = read_json_file(p);
  EXPECT_EQ(j["pid"].get<long>(), long(::getpid()));
  EXPECT_EQ(j["host"].get<std::string>(), this_host());
  const double first = j["heartbeat"].get<double>();
  w.set_step(7);
  std::this_thread::sleep_for(std::chrono::milliseconds(kHeartbeatSeconds * 1000 + 700));
  j = read_json_file(p);
  EXPECT_GT(j["heartbeat"].get<double>(), first);
  EXPECT_EQ(j["step"].get<int>(), 7);
  EXPECT_EQ(liveness_problem(j, 0), "");
}

TEST(RunLiveness, StaleOrDeadWritersAreStoppedUnexpectedly) {
  nlohmann::json s = {{"state", "running"}, {"step", 5}, {"pid", long(::getpid())}, {"host", this_host()},
                      {"heartbeat", unix_now()}};
  EXPECT_EQ(liveness_problem(s, 0), "");
  s["heartbeat"] = unix_now() - kStaleSeconds - 5;
  EXPECT_EQ(liveness_problem(s, 0).rfind("stopped unexpectedly: no heartbeat", 0), 0u) << liveness_problem(s, 0);
  // Same host and a pid that is gone: at once, whatever the heartbeat says.
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  s["pid"] = long(child);
  s["heartbeat"] = unix_now();
  EXPECT_NE(liveness_problem(s, 0).find("is gone"), std::string::npos);
  // Another host: only the heartbeat can tell.
  s["host"] = "elsewhere-" + this_host();
  EXPECT_EQ(liveness_problem(s, 0), "");
  // Final states are never stale; a writer from before the heartbeat is judged by the file's age.
  s["state"] = "finished";
  s["heartbeat"] = 0.0;
  EXPECT_EQ(liveness_problem(s, 0), "");
  nlohmann::json old = {{"state", "paused"}, {"step", 1}};
  EXPECT_EQ(liveness_problem(old, 1), "");
  EXPECT_NE(liveness_problem(old, kStaleSeconds + 1), "");
}
