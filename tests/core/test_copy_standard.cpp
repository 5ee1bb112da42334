// The standard copying problem (Arjovsky et al. 2016; --copy-loss all): exact layout, the memoryless
// baseline K·log S / (T + 2K) against the cross-entropy of the best position-only predictor measured
// on the task's own evaluation set, answer-only accuracy batches, and separate targets reaching the
// loss of every registered model exactly as next-token targets do.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>

#include "core/backend/cpu/cpu_backend.h"
#include "core/data/synthetic_tasks.h"
#include "core/models/model_registry.h"
#include "core/train/run_config.h"
#include "core/util/error.h"
#include "support/gradcheck.h"

using namespace udlab;

TEST(CopyStandard, LayoutIsArjovskys) {
  const int K = 10, D = 30, S = 8, T = D + 2 * K;
  CopyTask task(K, D, S, 3, /*loss_all=*/true);
  ASSERT_EQ(task.fixed_seq_len(), T);
  Rng rng(4);
  Batch b = task.sample_batch(50, T, rng);
  ASSERT_EQ(b.targets.size(), size_t(50) * T);
  const int32_t blank = S, marker = S + 1;
  for (int i = 0; i < 50; ++i) {
    const int32_t* x = &b.tokens[size_t(i) * (T + 1)];
    const int32_t* y = &b.targets[size_t(i) * T];
    const float* w = &b.weights[size_t(i) * T];
    for (int t = 0; t < K; ++t) ASSERT_LT(x[t], S);                 // 10 symbols
    for (int t = K; t < K + D - 1; ++t) EXPECT_EQ(x[t], blank);      // T − 1 blanks
    EXPECT_EQ(x[K + D - 1], marker);                                 // the marker
    for (int t = K + D; t <= T; ++t) EXPECT_EQ(x[t], blank);         // 10 blanks
    for (int t = 0; t < K + D; ++t) EXPECT_EQ(y[t], blank);          // targets: T + 10 blanks,
    for (int t = 0; t < K; ++t) EXPECT_EQ(y[K + D + t], x[t]);       // then the 10 symbols
    for (int t = 0; t < T; ++t) EXPECT_EQ(w[t], 1.0f);               // the loss counts every position
  }
  // The answers-only variant keeps its layout and has no separate targets.
  CopyTask old(K, D, S, 3);
  Rng rng2(4);
  EXPECT_TRUE(old.sample_batch(2, T, rng2).targets.empty());
  EXPECT_TRUE(old.answer_batches(Split::Val, 8, T, 0).empty());
  EXPECT_THROW(CopyTask(K, 0, S, 3, true), Error);
}

TEST(CopyStandard, MemorylessBaselineIsTheBestPositionOnlyLoss) {
  const int K = 10, S = 8;
  for (int D : {100, 200}) {
    const int T = D + 2 * K;
    CopyTask task(K, D, S, 9, true);
    EXPECT_DOUBLE_EQ(task.memoryless_loss(), 10 * std::log(8.0) / (D + 20));
    // The best predictor that sees only the position: the empirical target distribution per position.
    auto batches = task.eval_batches(Split::Val, 256, T, 0);
    std::vector<std::map<int32_t, double>> counts(T);
    double n = 0;
    for (auto& b : batches)
      for (int i = 0; i < b.B; ++i) {
        for (int t = 0; t < T; ++t) counts[t][b.target(i, t)] += 1;
        n += 1;
      }
    ASSERT_EQ(n, double(kSyntheticEvalSequences));
    double loss = 0;
    for (int t = 0; t < T; ++t)
      for (auto& [tok, c] : counts[t]) loss -= c * std::log(c / n);
    loss /= n * T;
    // In-sample entropy of 1024 draws from U{8} sits slightly below log 8 (bias ≈ 7/(2·1024) nats).
    EXPECT_NEAR(loss, task.memoryless_loss(), 0.01 * task.memoryless_loss()) << "D=" << D;
    EXPECT_LT(loss, task.memoryless_loss());
  }
  EXPECT_DOUBLE_EQ(CopyTask(10, 20, 8, 1).memoryless_loss(), std::log(8.0));
}

TEST(CopyStandard, AnswerBatchesWeighTheAnswersOfTheSameSequences) {
  const int K = 4, D = 6, S = 5, T = D + 2 * K;
  CopyTask task(K, D, S, 2, true);
  auto all = task.eval_batches(Split::Val, 100, T, 0), ans = task.answer_batches(Split::Val, 100, T, 0);
  ASSERT_EQ(all.size(), ans.size());
  for (size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].tokens, ans[k].tokens);
    EXPECT_EQ(all[k].targets, ans[k].targets);
    for (int i = 0; i < ans[k].B; ++i)
      for (int t = 0; t < T; ++t) EXPECT_EQ(ans[k].weights[size_t(i) * T + t], t >= K + D ? 1.0f : 0.0f);
  }
}

TEST(CopyStandard, ConfigKey) {
  RunConfig c;
  set_from_string(c, "copy_loss", "all");
  EXPECT_EQ(c.train.copy_loss, "all");
  validate(c);
  c.train.copy_loss = "some";
  EXPECT_THROW(validate(c), Error);
}

// Separate targets equal to the next tokens give exactly the loss of the stream, for every model.
TEST(CopyStandard, SeparateTargetsReachEveryModel) {
  CpuBackend<double> be(1);
  const int V = 7;
  for (const auto& name : ModelRegistry::instance().names()) {
    // Models that tests register for themselves ("test-nan-probe") are here too where the tests share
    // one executable (the sanitizer tree's test_core).
    if (name.rfind("test-", 0) == 0) continue;
    ModelConfig c;
    c.model = name;
    c.embed = 4; c.hidden = 4; c.d = 2; c.state = 3; c.heads = 1; c.max_len = 6;
    auto m = ModelRegistry::instance().get(name).make_double(c, V, be);
    m->params().allocate(be);
    Rng rng(1);
    m->init(rng);
    Batch b = udlab::testing::random_batch(2, 6, V, 5);
    double stream = m->forward_backward(b, false, nullptr).loss_sum;
    Batch s = b;
    for (int i = 0; i < b.B; ++i)
      for (int t = 0; t < b.T; ++t) s.targets.push_back(b.target(i, t));
    EXPECT_NEAR(m->forward_backward(s, false, nullptr).loss_sum, stream, 1e-12) << name;
    s.targets[3] = (s.targets[3] + 1) % V;
    EXPECT_GT(std::abs(m->forward_backward(s, false, nullptr).loss_sum - stream), 1e-9) << name;
    s.targets[3] = V;
    EXPECT_THROW(m->forward_backward(s, false, nullptr), Error) << name;
  }
}
