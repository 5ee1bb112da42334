// orth-rnn O(n) learns the standard copying problem at T = 50 (--copy-loss all): the answers' accuracy
// reaches 0.99 within a bounded number of steps (bound chosen from measurement with margin, see below),
// and the run beats the memoryless baseline 10·log 8/70 on the validation loss first.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/train/trainer.h"

using namespace udlab;

namespace {
// Measured (seed 1, 1 thread, deterministic): baseline beaten at step 100, accuracy 0.99 at step 700,
// 7.4 s of CPU. The bound leaves a margin of 2x.
constexpr int kMaxSteps = 1500;

struct StopAtAccuracy : TrainObserver {
  RunControl& ctl;
  int hit = -1, beat = -1;
  double baseline = NAN, last_acc = 0;
  explicit StopAtAccuracy(RunControl& c) : ctl(c) {}
  void on_start(const nlohmann::json& info) override { baseline = info.at("baseline_loss").get<double>(); }
  void on_metrics(const MetricsRecord& r) override {
    if (!r.has(Metric::ValAccuracy)) return;
    last_acc = r.get(Metric::ValAccuracy);
    if (beat < 0 && r.get(Metric::ValLoss) < baseline) beat = r.step;
    if (hit < 0 && last_acc >= 0.99) {
      hit = r.step;
      ctl.request_cancel();
    }
  }
};
}  // namespace

TEST(OrthRnnCopy, LearnsTheStandardCopyingProblemAtT50) {
  RunConfig c;
  c.model.model = "orth-rnn";
  c.model.group = "o";
  c.model.d = 64;
  c.model.embed = 16;
  c.model.orth_act = "modrelu";
  c.model.orth_init = "henaff";
  c.model.orth_lr_factor = 0.1;
  c.train.dataset = "copy";
  c.train.copy_loss = "all";
  c.train.copy_delay = 50;
  c.train.batch = 32;
  c.train.lr = 2e-3;
  c.train.warmup = 0;
  c.train.schedule = "constant";
  c.train.steps = kMaxSteps;
  c.train.eval_every = 50;
  c.train.log_every = 50;
  c.train.val_tokens = 256 * 71;
  c.train.threads = 1;
  c.train.seed = 1;
  RunControl ctl;
  StopAtAccuracy obs(ctl);
  Trainer(c, {}, &obs, &ctl).run();
  std::printf("orth-rnn O(64) copy T=50: beat the baseline at step %d, accuracy >= 0.99 at step %d\n", obs.beat, obs.hit);
  EXPECT_GE(obs.hit, 0) << "accuracy " << obs.last_acc << " after " << kMaxSteps << " steps";
  EXPECT_GE(obs.beat, 0);
}
