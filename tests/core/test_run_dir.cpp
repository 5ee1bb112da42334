// The run directory's records and liveness: metrics records and status.json round-trip through their
// types (null = not finite, old files load unchanged, damaged numbers refused); the lock refuses a
// second holder by name, status.json carries pid, host and a heartbeat that keeps being rewritten, and
// a reader tells a live writer from one that stopped.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/io/metrics_record.h"
#include "core/io/run_dir.h"
#include "core/io/run_liveness.h"
#include "core/train/run_config.h"
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

TEST(MetricsRecord, RoundTripsWithNonFiniteAsNull) {
  MetricsRecord r;
  r.step = 40;
  r.set(Metric::TrainLoss, 1.5);
  r.set(Metric::ValLoss, INFINITY);
  r.set(Metric::GradNorm, NAN);
  r.grad_norms = {{"rnn.weight_hh_l0", 0.25}, {"head.bias", NAN}};
  r.has_telemetry = true;
  r.telemetry.profiles["state_norm"] = {1.0, NAN, 3.0};
  r.telemetry.eigenvalues["lambda.layer0"] = {{0.5, -0.5}};
  r.telemetry.scalars["r_min"] = 0.9;
  r.event = MetricsEvent{"edit", "lr 0.003 -> 0.001", {{"lr", {{"from", 0.003}, {"to", 0.001}}}}};
  const std::string line = to_json(r).dump();
  EXPECT_NE(line.find("\"val_loss\":null"), std::string::npos) << line;
  EXPECT_NE(line.find("\"grad_norm\":null"), std::string::npos) << line;
  const MetricsRecord b = parse_metrics_line(line);
  EXPECT_EQ(b.step, 40);
  EXPECT_EQ(b.get(Metric::TrainLoss), 1.5);
  EXPECT_TRUE(b.has(Metric::ValLoss) && std::isnan(b.get(Metric::ValLoss)));  // logged, not finite: a gap
  EXPECT_TRUE(b.has(Metric::GradNorm) && std::isnan(b.get(Metric::GradNorm)));
  EXPECT_FALSE(b.has(Metric::ValBpc));
  ASSERT_EQ(b.grad_norms.size(), 2u);
  EXPECT_TRUE(b.has_telemetry);
  EXPECT_TRUE(std::isnan(b.telemetry.profiles.at("state_norm")[1]));
  EXPECT_EQ(b.telemetry.eigenvalues.at("lambda.layer0")[0], std::complex<double>(0.5, -0.5));
  EXPECT_EQ(b.telemetry.scalars.at("r_min"), 0.9);
  ASSERT_TRUE(b.event);
  EXPECT_EQ(b.event->kind, "edit");
  EXPECT_EQ(b.event->changes["lr"]["to"], 0.001);
  EXPECT_EQ(to_json(b).dump(), line);
}

TEST(MetricsRecord, OldLinesLoadAndRewriteByteForByte) {
  // As session 1-4 trainers wrote them (keys sorted by nlohmann::json), and one from another writer.
  for (const std::string line : {
           R"({"accuracy":0.1,"grad_norm":0.31648762830691907,"grad_norms":{"head.bias":0.2739036081835181},"lr":2e-05,)"
           R"("step":10,"tokens":1280.0,"tokens_per_s":9876.5,"train_bpc":null,"train_loss":null,"train_ppl":null,"wall_time":0.5})",
           R"({"event":"diverged","reason":"step 7: gradient of rnn.weight_hh_l0 is not finite","step":7,"wall_time":1.25})",
           R"({"my_metric":3.0,"step":3})"}) {
    const MetricsRecord r = parse_metrics_line(line);
    EXPECT_EQ(to_json(r).dump(), line);
  }
  const MetricsRecord other = parse_metrics_line(R"({"my_metric":3.0,"step":3,"note":"text"})");
  ASSERT_EQ(other.extra.size(), 1u);  // unknown numbers are kept (and plotted by name), text is skipped
  EXPECT_EQ(other.extra[0].first, "my_metric");
}

TEST(MetricsRecord, DamagedRecordsAreRefusedWithAReason) {
  for (const std::string bad : {R"([1,2])", R"({"train_loss":1})", R"({"step":-1})", R"({"step":1e300})",
                                R"({"step":"7"})", R"({"step":1,)"})
    EXPECT_THROW(parse_metrics_line(bad), Error) << bad;
  nlohmann::json big = {{"step", 1}, {"profiles", {{"state_norm", std::vector<double>(MetricsRecord::kMaxArray + 1, 1.0)}}}};
  try {
    metrics_record_from_json(big);
    FAIL() << "an oversized telemetry array was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("state_norm"), std::string::npos) << e.what();
  }
  // Values of the wrong type are skipped, the rest of the record kept.
  const MetricsRecord r = parse_metrics_line(R"({"step":2,"train_loss":"x","val_loss":true,"lr":0.1,"grad_norms":[1]})");
  EXPECT_FALSE(r.has(Metric::TrainLoss) || r.has(Metric::ValLoss));
  EXPECT_EQ(r.get(Metric::Lr), 0.1);
  EXPECT_TRUE(r.grad_norms.empty());
}

TEST(StatusRecord, ReadsWhatIsThereAndRefusesImpossibleNumbers) {
  StatusRecord s = status_record_from_json(
      {{"state", "running"}, {"step", 12}, {"pid", 4242}, {"host", "h"}, {"heartbeat", 1.7e9}});
  EXPECT_TRUE(s.has_state && s.has_step && !s.has_reason);
  EXPECT_TRUE(s.live());
  EXPECT_EQ(s.pid, 4242);
  EXPECT_EQ(to_json(status_record_from_json(to_json(s))), to_json(s));
  s = status_record_from_json({{"state", 3}, {"step", 1e12}, {"pid", -5}, {"heartbeat", "soon"}});
  EXPECT_FALSE(s.has_state || s.has_step);
  EXPECT_EQ(s.pid, 0);
  EXPECT_EQ(s.heartbeat, 0);
  EXPECT_THROW(status_record_from_json(nlohmann::json::array()), Error);
  EXPECT_TRUE(StatusRecord::is_final("diverged") && !StatusRecord::is_final("paused"));
}

TEST(RunDirIdentity, TellsInPlaceFromRemovedAndReplaced) {
  TempDir d;
  const std::string dir = (d.path / "run").string();
  fs::create_directories(dir);
  {
    RunLock lock(dir);
    RunDirIdentity id(dir);
    EXPECT_EQ(id.problem(), "");
    fs::remove(fs::path(dir) / "lock");  // a removal under way
    EXPECT_EQ(id.problem(), "run directory " + dir + " was removed while training");
  }
  RunDirIdentity id(dir);
  EXPECT_EQ(id.problem(), "");
  // Made while the first directory still exists, so the file system cannot hand it the freed inode
  // (it did, in a fresh-clone CI run, when made after the removal).
  fs::create_directories(d.path / "other");
  fs::remove_all(dir);
  EXPECT_EQ(id.problem(), "run directory " + dir + " was removed while training");
  fs::rename(d.path / "other", dir);
  EXPECT_EQ(id.problem(), "run directory " + dir + " was replaced while training");
}

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

TEST(RunDirConfig, ARunWrittenBeforeIoLrFactorResumesAtFactorOne) {
  TempDir d;
  nlohmann::json j = to_json(RunConfig{});
  std::ofstream(d.path / "config.json") << j.dump();
  EXPECT_EQ(load_run_config(d.path.string()).model.io_lr_factor, 10.0);
  j.erase("io_lr_factor");
  std::ofstream(d.path / "config.json") << j.dump();
  EXPECT_EQ(load_run_config(d.path.string()).model.io_lr_factor, 1.0);
}
