// The engine's promises: determinism, exact resume, save → load → eval, divergence handling, and clear
// errors for malformed configs, corrupt checkpoints and missing datasets.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/io/run_dir.h"
#include "core/io/safetensors.h"
#include "core/models/model_registry.h"
#include "core/train/evaluate.h"
#include "core/train/hot_edit.h"
#include "core/train/lr_schedule.h"
#include "core/train/run_loader.h"
#include "core/train/run_requests.h"
#include "core/train/trainer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

using namespace udlab;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("udlab-trainer-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() { static int c = 0; return c; }
  std::string operator/(const std::string& s) const { return (path / s).string(); }
};

RunConfig small_config() {
  RunConfig c;
  c.model.model = "lstm";
  c.model.hidden = 24;
  c.model.embed = 16;
  c.train.dataset = "copy";
  c.train.copy_k = 3;
  c.train.copy_delay = 4;
  c.train.batch = 6;
  c.train.steps = 24;
  c.train.lr = 1e-2;
  c.train.warmup = 4;
  c.train.log_every = 4;
  c.train.eval_every = 8;
  c.train.val_tokens = 400;
  c.train.threads = 2;
  c.train.seed = 7;
  return c;
}

// metrics.jsonl without the fields that measure time.
std::vector<nlohmann::json> timeless_metrics(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(dir + "/metrics.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    j.erase("wall_time");
    j.erase("tokens_per_s");
    out.push_back(j);
  }
  return out;
}

class CancelAt : public TrainObserver {
 public:
  CancelAt(RunControl& c, int step) : c_(c), step_(step) {}
  void on_progress(int step, int, double) override {
    if (step == step_) c_.request_cancel();
  }

 private:
  RunControl& c_;
  int step_;
};

}  // namespace

TEST(Trainer, SameSeedGivesBitIdenticalMetrics) {
  TempDir a, b;
  Trainer(small_config(), {a / "run"}).run();
  Trainer(small_config(), {b / "run"}).run();
  auto ma = timeless_metrics(a / "run"), mb = timeless_metrics(b / "run");
  ASSERT_EQ(ma.size(), 6u);
  EXPECT_EQ(ma, mb);
  // A different seed must change something (the comparison above is not vacuous).
  RunConfig c = small_config();
  c.train.seed = 8;
  TempDir d;
  Trainer(c, {d / "run"}).run();
  EXPECT_NE(timeless_metrics(d / "run"), ma);
}

TEST(Trainer, ResumeEqualsUninterruptedRun) {
  TempDir full, split;
  ASSERT_EQ(Trainer(small_config(), {full / "run"}).run().state, "finished");
  RunControl ctl;
  CancelAt cancel(ctl, 10);  // not on a log or checkpoint boundary: the partial interval must survive
  RunStatus s = Trainer(small_config(), {split / "run"}, &cancel, &ctl).run();
  ASSERT_EQ(s.state, "cancelled");
  EXPECT_EQ(s.step, 10);
  EXPECT_EQ(read_json_file(split / "run/status.json")["state"], "cancelled");
  RunConfig resumed = load_run_config(split / "run");
  EXPECT_EQ(Trainer(resumed, {split / "run", true}).run().state, "finished");
  EXPECT_EQ(timeless_metrics(split / "run"), timeless_metrics(full / "run"));
}

TEST(Trainer, SaveLoadEvalReproducesTheLoss) {
  TempDir t;
  Trainer(small_config(), {t / "run"}).run();
  auto metrics = timeless_metrics(t / "run");
  double logged = metrics.back()["val_loss"].get<double>();
  LoadedRun run = load_run(t / "run", 2);
  auto batches = run.data->eval_batches(Split::Val, run.cfg.train.batch, run.seq_len, run.cfg.train.val_tokens);
  double loss = evaluate_batches(*run.model, batches).mean_loss();
  EXPECT_NEAR(loss, logged, 1e-6 * std::abs(logged));
  EXPECT_FALSE(sample_text(run, "", 5, 1.0, 3).empty());
}

namespace {
// A one-parameter model whose gradient turns NaN on its 6th training step: divergence without luck.
template <class S>
class NanProbe final : public Model<S> {
 public:
  NanProbe(const ModelConfig& c, int v, Backend<S>& be) : Model<S>(c, v, be) { this->params_.add("probe.weight", {4}); }
  void init(Rng&) override { this->params_.upload_values(std::vector<S>(4, S(0.5))); }
  size_t workspace_bytes(int, int) const override { return 0; }
  StepResult forward_backward(const Batch& b, bool backward, Telemetry*) override {
    if (backward) {
      std::vector<S> g(4, S(0.1));
      if (++calls_ == 6) g[2] = S(NAN);
      this->be_.upload_bytes(this->params_.grads(), g.data(), g.size() * sizeof(S));
    }
    StepResult r;
    r.loss_sum = 1.0 * b.B * b.T;
    r.weight_sum = double(b.B) * b.T;
    return r;
  }
  std::vector<double> predict_next(const std::vector<int32_t>&) override { return std::vector<double>(this->vocab_); }

 private:
  int calls_ = 0;
};
UDLAB_REGISTER_MODEL(NanProbe, "test-nan-probe", "test only: NaN gradient on step 6", "hidden");
}  // namespace

TEST(Trainer, NanGradientStopsTheRunAndKeepsTheLastGoodCheckpoint) {
  TempDir t;
  RunConfig c = small_config();
  c.model.model = "test-nan-probe";
  c.train.checkpoint_every = 4;
  RunStatus s = Trainer(c, {t / "run"}).run();
  EXPECT_EQ(s.state, "diverged");
  EXPECT_NE(s.reason.find("probe.weight"), std::string::npos) << s.reason;
  EXPECT_NE(s.reason.find("step 6"), std::string::npos) << s.reason;
  auto status = read_json_file(t / "run/status.json");
  EXPECT_EQ(status["state"], "diverged");
  // The checkpoint is the one from step 4 and loads cleanly; every metrics line is valid JSON.
  SafeTensors ck = load_safetensors(t / "run/checkpoint.safetensors");
  EXPECT_EQ(ck.get<int64_t>("train.step", "I64", 1)[0], 4);
  auto m = timeless_metrics(t / "run");
  EXPECT_EQ(m.back()["event"], "diverged");
}

TEST(Trainer, TruncatedOrCorruptCheckpointIsAClearError) {
  TempDir t;
  Trainer(small_config(), {t / "run"}).run();
  std::string ck = t / "run/checkpoint.safetensors";
  std::string bytes = read_file(ck);
  write_file_atomic(ck, bytes.substr(0, bytes.size() / 2));
  try {
    load_run(t / "run");
    FAIL() << "a truncated checkpoint loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  write_file_atomic(ck, std::string("\x10\x00\x00\x00\x00\x00\x00\x00{not json at all", 24));
  EXPECT_THROW(load_run(t / "run"), Error);
  write_file_atomic(ck, "");
  EXPECT_THROW(load_run(t / "run"), Error);
  // Resuming from it is refused the same way, and leaves the directory as it was.
  EXPECT_THROW(Trainer(small_config(), {t / "run", true}), Error);
}

TEST(Trainer, CheckpointOfAnotherModelIsRejectedByTensorName) {
  TempDir a;
  Trainer(small_config(), {a / "run"}).run();
  RunConfig other = small_config();
  other.model.model = "rnn-tanh";
  write_json_atomic(a / "run/config.json", to_json(other));
  try {
    load_run(a / "run");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rnn."), std::string::npos) << e.what();
  }
}

TEST(RunConfig, MalformedConfigsAreClearErrors) {
  EXPECT_THROW(run_config_from_json(nlohmann::json::parse(R"({"hiden": 3})")), Error);
  EXPECT_THROW(run_config_from_json(nlohmann::json::parse(R"({"hidden": "big"})")), Error);
  EXPECT_THROW(run_config_from_json(nlohmann::json::parse(R"({"hidden": -4})")), Error);
  EXPECT_THROW(run_config_from_json(nlohmann::json::parse(R"({"r_min": 0.99, "r_max": 0.9})")), Error);
  EXPECT_THROW(run_config_from_json(nlohmann::json::parse(R"([1, 2])")), Error);
  try {
    run_config_from_json(nlohmann::json::parse(R"({"lr": 0.1, "bogus_key": 1})"));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bogus_key"), std::string::npos);
  }
  RunConfig c = small_config();
  EXPECT_EQ(to_json(run_config_from_json(to_json(c))), to_json(c));  // round trip
}

TEST(Trainer, MissingDatasetAndImpossibleSizesFailBeforeAllocating) {
  RunConfig c = small_config();
  c.train.dataset = "ptb";  // download-only: tinyshakespeare is bundled and never missing
  c.train.data_dir = "/nonexistent/udlab";
  // $UDLAB_DATA_DIR may hold the file; point every search directory away from it.
  ::setenv("UDLAB_DATA_DIR", "/nonexistent/udlab2", 1);
  ::setenv("XDG_CACHE_HOME", "/nonexistent/udlab3", 1);
  EXPECT_THROW(Trainer(c, {}), Error);
  RunConfig big = small_config();
  big.model.hidden = 20000;  // 2 layers of 4H x 2H weights: ~3e9 parameters, ~51 GB with Adam state
  big.model.layers = 2;
  try {
    Trainer(big, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("available"), std::string::npos) << e.what();
  }
}

// Requests a pause after step 5 and notes when the trainer confirms it.
struct PauseAtStep5 : TrainObserver {
  RunControl& c;
  std::atomic<bool> saw_paused{false};
  explicit PauseAtStep5(RunControl& c) : c(c) {}
  void on_progress(int step, int, double) override {
    if (step == 5) c.request_pause();
  }
  void on_status(const RunStatus& s) override {
    if (s.state == "paused") saw_paused = true;
  }
};

TEST(Trainer, PauseAndResumeFromAnotherThreadChangeNothing) {
  TempDir full, paused;
  Trainer(small_config(), {full / "run"}).run();
  RunControl ctl;
  PauseAtStep5 obs(ctl);
  Trainer t(small_config(), {paused / "run"}, &obs, &ctl);
  std::thread resumer([&] {
    while (!obs.saw_paused) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(read_json_file(paused / "run/status.json")["state"], "paused");
    ctl.request_resume();
  });
  EXPECT_EQ(t.run().state, "finished");
  resumer.join();
  EXPECT_EQ(timeless_metrics(paused / "run"), timeless_metrics(full / "run"));
}

TEST(Trainer, SingleStepsWhilePausedAreOrdinaryStepsAndStayPaused) {
  TempDir full, stepped;
  Trainer(small_config(), {full / "run"}).run();
  RunControl ctl;
  struct Watch : PauseAtStep5 {
    using PauseAtStep5::PauseAtStep5;
    std::atomic<int> status_step{0};
    std::atomic<bool> ran_while_paused{false};
    void on_status(const RunStatus& s) override {
      PauseAtStep5::on_status(s);
      if (s.state == "running" && saw_paused) ran_while_paused = true;  // only resume may say so
      status_step = s.step;
    }
  } obs(ctl);
  Trainer t(small_config(), {stepped / "run"}, &obs, &ctl);
  std::thread stepper([&] {
    while (!obs.saw_paused) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (int want = 6; want <= 8; ++want) {
      ctl.request_step();
      while (obs.status_step < want) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      EXPECT_EQ(read_json_file(stepped / "run/status.json")["state"], "paused");
      EXPECT_EQ(read_json_file(stepped / "run/status.json")["step"], want);
    }
    EXPECT_FALSE(obs.ran_while_paused);
    ctl.request_resume();
    ctl.request_step();  // ignored: not paused any more
  });
  EXPECT_EQ(t.run().state, "finished");
  stepper.join();
  EXPECT_EQ(timeless_metrics(stepped / "run"), timeless_metrics(full / "run"));
}

// ---- Hot edits: hyperparameters changed between steps while a run trains ----

namespace {
// Requests `edit` from on_progress at `edit_step` and cancels at `cancel_step` (0 = never).
class EditAt : public TrainObserver {
 public:
  EditAt(RunControl& c, int edit_step, nlohmann::json edit, int cancel_step = 0)
      : c_(c), edit_step_(edit_step), edit_(std::move(edit)), cancel_step_(cancel_step) {}
  void on_progress(int step, int, double) override {
    if (step == edit_step_) c_.request_edit(edit_);
    if (step == cancel_step_) c_.request_cancel();
  }

 private:
  RunControl& c_;
  int edit_step_;
  nlohmann::json edit_;
  int cancel_step_;
};

const nlohmann::json* record_at(const std::vector<nlohmann::json>& m, long step, bool event) {
  for (auto& r : m)
    if (r["step"] == step && r.contains("event") == event) return &r;
  return nullptr;
}

std::string error_of(const nlohmann::json& changes) {
  try {
    validate_hot_edit(changes);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(HotEdit, EditFromOnProgressTakesEffectAtTheNextStep) {
  RunConfig c = small_config();
  c.train.log_every = 1;  // an lr per step, so the step the edit lands on is visible
  TempDir base, edited;
  Trainer(c, {base / "run"}).run();
  RunControl ctl;
  const int k = 9;
  EditAt obs(ctl, k, {{"lr", 2e-3}, {"clip", 0.5}});
  ASSERT_EQ(Trainer(c, {edited / "run"}, &obs, &ctl).run().state, "finished");
  auto mb = timeless_metrics(base / "run"), me = timeless_metrics(edited / "run");

  const nlohmann::json* ev = record_at(me, k, true);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ((*ev)["event"], "edit");
  EXPECT_EQ((*ev)["changes"]["lr"]["from"].get<double>(), 1e-2);
  EXPECT_EQ((*ev)["changes"]["lr"]["to"].get<double>(), 2e-3);
  EXPECT_EQ((*ev)["changes"]["clip"]["from"].get<double>(), 0.0);
  EXPECT_EQ((*ev)["changes"]["clip"]["to"].get<double>(), 0.5);
  EXPECT_EQ((*ev)["reason"], "lr 0.01 -> 0.002, clip 0 -> 0.5");

  RunConfig after = c;
  after.train.lr = 2e-3;
  for (long s = 1; s <= c.train.steps; ++s) {
    const nlohmann::json *rb = record_at(mb, s, false), *re = record_at(me, s, false);
    ASSERT_TRUE(rb && re) << "step " << s;
    if (s <= k) {
      EXPECT_EQ(*rb, *re) << "step " << s << " is before the edit";
    } else {
      // The schedule keeps its position and is rescaled to the new peak.
      EXPECT_EQ((*re)["lr"].get<double>(), learning_rate(after.train, int(s - 1))) << "step " << s;
      EXPECT_NE((*re)["lr"], (*rb)["lr"]) << "step " << s;
    }
  }
  // Step k+1's loss is taken before its update; from k+2 on the edited updates show in the loss.
  EXPECT_EQ((*record_at(me, k + 1, false))["train_loss"], (*record_at(mb, k + 1, false))["train_loss"]);
  EXPECT_NE((*record_at(me, k + 2, false))["train_loss"], (*record_at(mb, k + 2, false))["train_loss"]);

  // config.json and the checkpoint say what is in effect.
  EXPECT_EQ(load_run_config(edited / "run").train.lr, 2e-3);
  EXPECT_EQ(load_run_config(edited / "run").train.clip, 0.5);
  auto ck_cfg = nlohmann::json::parse(load_safetensors(edited / "run/checkpoint.safetensors").metadata.at("config"));
  EXPECT_EQ(ck_cfg["lr"].get<double>(), 2e-3);
}

TEST(HotEdit, ValidationNamesTheKey) {
  EXPECT_EQ(error_of({{"lr", 1e-3}, {"clip", 0}, {"weight_decay", 0.1}, {"min_lr_frac", 1}}), "");
  EXPECT_EQ(error_of(nlohmann::json::object()), "");
  struct Bad {
    nlohmann::json edit;
    std::string key;
  };
  const std::vector<Bad> bad = {
      {{{"steps", 5}}, "steps"},          {{{"lr", "big"}}, "lr"},
      {{{"lr", true}}, "lr"},             {{{"lr", NAN}}, "lr"},
      {{{"clip", INFINITY}}, "clip"},     {{{"lr", 0.0}}, "lr"},
      {{{"lr", -1}}, "lr"},               {{{"clip", -0.5}}, "clip"},
      {{{"weight_decay", -1e-4}}, "weight_decay"},
      {{{"min_lr_frac", 1.5}}, "min_lr_frac"}, {{{"min_lr_frac", -0.1}}, "min_lr_frac"},
      {{{"lr", 1e-3}, {"seed", 3}}, "seed"},
  };
  for (auto& b : bad) {
    std::string e = error_of(b.edit);
    EXPECT_NE(e.find(b.key), std::string::npos) << b.edit.dump() << ": '" << e << "'";
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  EXPECT_NE(error_of(nlohmann::json::array({1, 2})), "");
  // apply_hot_edit changes nothing when any key is bad.
  TrainConfig t;
  EXPECT_THROW(apply_hot_edit(t, {{"lr", 1e-3}, {"clip", -1}}), Error);
  EXPECT_EQ(t.lr, TrainConfig().lr);
}

TEST(HotEdit, TheTrainerRevalidatesAndSkipsABadRequest) {
  TempDir base, t;
  Trainer(small_config(), {base / "run"}).run();
  RunControl ctl;
  EditAt obs(ctl, 6, {{"lr", -1}});
  ASSERT_EQ(Trainer(small_config(), {t / "run"}, &obs, &ctl).run().state, "finished");
  auto m = timeless_metrics(t / "run");
  const nlohmann::json* ev = record_at(m, 6, true);
  ASSERT_NE(ev, nullptr);
  EXPECT_EQ((*ev)["event"], "edit_rejected");
  EXPECT_NE((*ev)["reason"].get<std::string>().find("lr"), std::string::npos);
  m.erase(std::remove_if(m.begin(), m.end(), [](auto& r) { return r.contains("event"); }), m.end());
  EXPECT_EQ(m, timeless_metrics(base / "run"));
  EXPECT_EQ(load_run_config(t / "run").train.lr, small_config().train.lr);
}

TEST(HotEdit, ResumeAfterAnEditEqualsTheUninterruptedEditedRun) {
  const nlohmann::json edit = {{"lr", 3e-3}, {"weight_decay", 0.05}, {"min_lr_frac", 0.5}};
  TempDir full, split;
  RunControl c1;
  EditAt e1(c1, 6, edit);
  ASSERT_EQ(Trainer(small_config(), {full / "run"}, &e1, &c1).run().state, "finished");
  RunControl c2;
  EditAt e2(c2, 6, edit, 10);  // cancel off any log or checkpoint boundary, after the edit
  RunStatus s = Trainer(small_config(), {split / "run"}, &e2, &c2).run();
  ASSERT_EQ(s.state, "cancelled");
  RunConfig resumed = load_run_config(split / "run");
  EXPECT_EQ(resumed.train.lr, 3e-3);
  EXPECT_EQ(resumed.train.weight_decay, 0.05);
  EXPECT_EQ(resumed.train.min_lr_frac, 0.5);
  EXPECT_EQ(Trainer(resumed, {split / "run", true}).run().state, "finished");
  auto mf = timeless_metrics(full / "run");
  EXPECT_EQ(timeless_metrics(split / "run"), mf);
  ASSERT_NE(record_at(mf, 6, true), nullptr);
  // The edit must matter, or the comparison above would hold for a lost edit too.
  TempDir plain;
  Trainer(small_config(), {plain / "run"}).run();
  EXPECT_NE(timeless_metrics(plain / "run").back(), mf.back());
}

TEST(HotEdit, AnEditWhilePausedIsAppliedAtOnceAndEqualsOneBetweenSteps) {
  const nlohmann::json edit = {{"lr", 4e-3}};
  TempDir between, paused;
  RunControl c1;
  EditAt e1(c1, 5, edit);
  Trainer(small_config(), {between / "run"}, &e1, &c1).run();

  RunControl ctl;
  PauseAtStep5 obs(ctl);
  Trainer t(small_config(), {paused / "run"}, &obs, &ctl);
  std::thread editor([&] {
    while (!obs.saw_paused) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ctl.request_edit(edit);
    // Still paused: the edit must reach config.json without a resume.
    for (int i = 0; i < 400 && load_run_config(paused / "run").train.lr != 4e-3; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(load_run_config(paused / "run").train.lr, 4e-3);
    EXPECT_EQ(read_json_file(paused / "run/status.json")["state"], "paused");
    ctl.request_resume();
  });
  EXPECT_EQ(t.run().state, "finished");
  editor.join();
  EXPECT_EQ(timeless_metrics(paused / "run"), timeless_metrics(between / "run"));
}

// Steering through the run directory (core/train/run_requests.h): what a window following a
// udlab-cli run, or `udlab-cli control`, does to a process it does not own.
TEST(RunRequests, BadRequestsAreRefusedWithTheirReason) {
  auto refused = [](const nlohmann::json& r, const std::string& want) {
    try {
      validate_run_request(r);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
      return;
    }
    ADD_FAILURE() << "accepted " << r.dump();
  };
  refused(nlohmann::json::array(), "action");
  refused({{"action", "explode"}}, "explode");
  refused({{"action", "edit"}}, "changes");
  refused({{"action", "edit"}, {"changes", {{"lr", -1.0}}}}, "lr");
  refused({{"action", "edit"}, {"changes", {{"steps", 5}}}}, "steps");
  TempDir d;
  fs::create_directories(d.path);
  EXPECT_THROW(write_run_request(d.path.string(), {{"action", "pause"}}), Error);  // no config.json: not a run
  EXPECT_FALSE(fs::exists(d.path / "requests"));
}

TEST(RunRequests, AnotherProcessCanEditPauseResumeAndStopARun) {
  TempDir d;
  const std::string dir = d / "run";
  RunConfig c = small_config();
  c.train.steps = 100000;  // runs until stopped
  RunControl ctl;
  std::unique_ptr<RunRequestWatcher> watcher;
  struct Steer : TrainObserver {
    std::string dir;
    RunRequestWatcher** w = nullptr;
    std::atomic<bool> paused{false};
    std::atomic<int> step{0};
    void on_progress(int s, int, double) override {
      step = s;
      // Written by "another process", picked up at once by an explicit poll (the watcher's own thread
      // would take up to 200 ms): deterministic steps for the test.
      if (s == 5) write_run_request(dir, {{"action", "edit"}, {"changes", {{"lr", 2e-3}}}});
      if (s == 8) write_run_request(dir, {{"action", "pause"}});
      if (s == 14) write_run_request(dir, {{"action", "stop"}});
      if (s == 5 || s == 8 || s == 14) (*w)->poll();
    }
    void on_status(const RunStatus& st) override {
      if (st.state == "paused") paused = true;
    }
  } obs;
  obs.dir = dir;
  RunRequestWatcher* raw = nullptr;
  obs.w = &raw;
  Trainer t(c, {dir}, &obs, &ctl);
  std::vector<std::string> lines;
  std::mutex lines_m;
  watcher = std::make_unique<RunRequestWatcher>(t.dir_identity(), ctl, [&](const std::string& l) {
    std::lock_guard<std::mutex> g(lines_m);
    lines.push_back(l);
  });
  raw = watcher.get();
  RunStatus st;
  std::thread trainer([&] { st = t.run(); });
  while (!obs.paused) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(read_json_file(dir + "/status.json")["state"], "paused");
  EXPECT_EQ(obs.step.load(), 8);
  write_run_request(dir, {{"action", "resume"}});  // this one through the watcher's own thread
  trainer.join();
  watcher.reset();
  EXPECT_EQ(st.state, "cancelled");
  EXPECT_EQ(st.step, 14);
  bool edited = false;
  std::ifstream m(dir + "/metrics.jsonl");
  for (std::string line; std::getline(m, line);) {
    auto r = nlohmann::json::parse(line);
    if (r.value("event", "") == "edit") {
      edited = true;
      EXPECT_EQ(r["step"], 5);
      EXPECT_DOUBLE_EQ(r["changes"]["lr"]["to"].get<double>(), 2e-3);
    }
  }
  EXPECT_TRUE(edited);
  EXPECT_TRUE(fs::is_empty(dir + "/requests"));  // every request was consumed
  std::lock_guard<std::mutex> g(lines_m);
  EXPECT_EQ(lines.size(), 4u);
}
