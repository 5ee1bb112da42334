// The engine's promises: determinism, exact resume, save → load → eval, divergence handling, and clear
// errors for malformed configs, corrupt checkpoints and missing datasets.
#include <gtest/gtest.h>

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
#include "core/train/run_loader.h"
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
  c.train.dataset = "tinyshakespeare";
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

TEST(Trainer, PauseAndResumeFromAnotherThreadChangeNothing) {
  TempDir full, paused;
  Trainer(small_config(), {full / "run"}).run();
  RunControl ctl;
  struct PauseAt : TrainObserver {
    RunControl& c;
    std::atomic<bool> saw_paused{false};
    explicit PauseAt(RunControl& c) : c(c) {}
    void on_progress(int step, int, double) override {
      if (step == 5) c.request_pause();
    }
    void on_status(const RunStatus& s) override {
      if (s.state == "paused") saw_paused = true;
    }
  } obs(ctl);
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
