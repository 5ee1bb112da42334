// Dataset batches through a real model: evaluation windows (with a padded last window) make the model
// score every token of a split but the first exactly once, and synthetic tasks score only answers.
#include <gtest/gtest.h>

#include <cmath>

#include "core/backend/cpu/cpu_backend.h"
#include "core/data/dataset.h"
#include "core/models/model_registry.h"
#include "core/train/run_config.h"

using namespace udlab;

namespace {

std::unique_ptr<Model<float>> small_lstm(int V, Backend<float>& be) {
  ModelConfig c;
  c.model = "lstm";
  c.embed = 8;
  c.hidden = 8;
  auto m = ModelRegistry::instance().get("lstm").make_float(c, V, be);
  m->params().allocate(be);
  Rng rng(3);
  m->init(rng);
  return m;
}

}  // namespace

TEST(DatasetBatches, EvalScoresEveryValidationTokenOnce) {
  TrainConfig cfg;
  cfg.dataset = "tinyshakespeare";
  auto ds = open_dataset(cfg);
  CpuBackend<float> be(1);
  auto m = small_lstm(ds->vocab().size(), be);
  for (size_t max_tokens : {size_t(2000), size_t(2001)}) {  // 1999 = 31*64 + 15 predictions: a short last window
    double scored = 0, loss = 0;
    for (const Batch& b : ds->eval_batches(Split::Val, 8, 64, max_tokens)) {
      StepResult r = m->forward_backward(b, false, nullptr);
      scored += r.weight_sum;
      loss += r.loss_sum;
    }
    EXPECT_EQ(scored, double(max_tokens - 1));
    // An untrained model is close to uniform over the 65 characters.
    EXPECT_NEAR(loss / scored, std::log(65.0), 0.3);
  }
}

TEST(DatasetBatches, CopyTaskScoresOnlyTheAnswers) {
  TrainConfig cfg;
  cfg.dataset = "copy";
  cfg.copy_k = 6;
  cfg.copy_delay = 5;
  cfg.copy_symbols = 4;
  auto ds = open_dataset(cfg);
  CpuBackend<float> be(1);
  auto m = small_lstm(ds->vocab().size(), be);
  Rng rng(1);
  StepResult r = m->forward_backward(ds->sample_batch(16, ds->fixed_seq_len(), rng), false, nullptr);
  EXPECT_EQ(r.weight_sum, 16.0 * 6);
  EXPECT_LE(r.correct, r.weight_sum);
  EXPECT_TRUE(std::isfinite(r.loss_sum));
}
