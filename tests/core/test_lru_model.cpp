// The deep LRU model: gradient check in double, tensor names, registry, scan switch, workspace accounting,
// predict_next, telemetry, dropout determinism, bad input, and that a few AdamW steps learn.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/lru/lru_model.h"
#include "core/models/model_registry.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {

ModelConfig tiny_cfg() {
  ModelConfig c;
  c.model = "lru";
  c.layers = 2;
  c.hidden = 6;
  c.state = 4;
  c.r_min = 0.5;
  c.r_max = 0.99;
  c.max_phase = 3.0;
  c.lru_lr_factor = 0.5;
  return c;
}

template <class S>
std::unique_ptr<LruModel<S>> make(const ModelConfig& c, int V, Backend<S>& be, uint64_t seed = 3) {
  auto m = std::make_unique<LruModel<S>>(c, V, be);
  m->params().allocate(be);
  Rng rng(seed);
  m->init(rng);
  return m;
}

}  // namespace

TEST(LruModel, GradientMatchesFiniteDifferences) {
  CpuBackend<double> be(2);
  for (bool gamma : {true, false}) {
    ModelConfig c = tiny_cfg();
    c.lru_gamma = gamma;
    auto m = make(c, 7, be);
    Batch batch = udlab::testing::random_batch(2, 5, 7, 11);
    batch.weights = {1, 0.5, 0, 2, 1, 1, 1, 0.25, 1, 1};
    udlab::testing::expect_model_gradcheck(*m, batch, 1e-6, 12);
  }
}

TEST(LruModel, TensorNamesAndOptimiserSettings) {
  CpuBackend<float> be(1);
  ModelConfig c = tiny_cfg();
  c.lru_lr_factor = 0.3;
  LruModel<float> m(c, 9, be);
  std::vector<std::string> want = {"embedding.weight"};
  for (int l = 0; l < 2; ++l) {
    std::string p = "blocks." + std::to_string(l) + ".";
    for (const char* n : {"norm.weight", "norm.bias", "lru.nu_log", "lru.theta_log", "lru.gamma_log", "lru.B_re",
                          "lru.B_im", "lru.C_re", "lru.C_im", "lru.D", "glu.W1.weight", "glu.W1.bias",
                          "glu.W2.weight", "glu.W2.bias"})
      want.push_back(p + n);
  }
  for (const char* n : {"norm_f.weight", "norm_f.bias", "head.weight", "head.bias"}) want.push_back(n);
  ASSERT_EQ(m.params().specs().size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& s = m.params().specs()[i];
    EXPECT_EQ(s.name, want[i]);
    bool slow = s.name.find("nu_log") != std::string::npos || s.name.find("theta_log") != std::string::npos ||
                s.name.find("gamma_log") != std::string::npos || s.name.find("lru.B_") != std::string::npos;
    EXPECT_EQ(s.lr_mult, slow ? 0.3 : 1.0) << s.name;
    if (slow) EXPECT_FALSE(s.decay) << s.name;
  }
  EXPECT_EQ(m.params().specs()[m.params().index("blocks.1.glu.W2.weight")].shape, (std::vector<int64_t>{6, 6}));
  EXPECT_EQ(m.params().specs()[m.params().index("head.weight")].shape, (std::vector<int64_t>{9, 6}));
  // 3N + 4NH + H per LRU layer (math-notes §5.1).
  int64_t lru_params = 0;
  for (const auto& s : m.params().specs())
    if (s.name.find(".lru.") != std::string::npos) lru_params += int64_t(s.numel);
  EXPECT_EQ(lru_params, 2 * (3 * 4 + 4 * 4 * 6 + 6));
}

TEST(LruModel, RegisteredByNameWithHiddenAsMatchField) {
  const ModelInfo& info = ModelRegistry::instance().get("lru");
  EXPECT_EQ(info.match_field, "hidden");
  CpuBackend<float> be(1);
  auto m = info.make_float(tiny_cfg(), 5, be);
  EXPECT_GT(m->params().numel(), 0u);
}

TEST(LruModel, LoopAndChunkedScanGiveTheSameLossAndGradients) {
  CpuBackend<float> be(2);
  auto m = make(tiny_cfg(), 11, be);
  Batch batch = udlab::testing::random_batch(2, 700, 11, 4);  // T > chunk: three chunks per sequence
  m->set_scan_method(LruScanMethod::kLoop);
  double loss_loop = m->forward_backward(batch, true, nullptr).mean_loss();
  auto g_loop = m->params().download_grads();
  m->set_scan_method(LruScanMethod::kChunked);
  double loss_chunk = m->forward_backward(batch, true, nullptr).mean_loss();
  auto g_chunk = m->params().download_grads();
  EXPECT_NEAR(loss_loop, loss_chunk, 1e-5 * loss_loop);
  double num = 0, den = 0;
  for (size_t i = 0; i < g_loop.size(); ++i) {
    num += double(g_loop[i] - g_chunk[i]) * (g_loop[i] - g_chunk[i]);
    den += double(g_loop[i]) * g_loop[i];
  }
  EXPECT_LT(std::sqrt(num / den), 1e-4);
}

TEST(LruModel, ScanMethodFromEnvironment) {
  setenv("UDLAB_LRU_SCAN", "loop", 1);
  EXPECT_EQ(lru_scan_method_from_env(), LruScanMethod::kLoop);
  setenv("UDLAB_LRU_SCAN", "chunked", 1);
  EXPECT_EQ(lru_scan_method_from_env(), LruScanMethod::kChunked);
  setenv("UDLAB_LRU_SCAN", "fast", 1);
  EXPECT_THROW(lru_scan_method_from_env(), Error);
  unsetenv("UDLAB_LRU_SCAN");
  EXPECT_EQ(lru_scan_method_from_env(), LruScanMethod::kChunked);
}

TEST(LruModel, WorkspaceBytesAccountForEveryBuffer) {
  CpuBackend<float> be(2);
  for (double dropout : {0.0, 0.2}) {
    ModelConfig c = tiny_cfg();
    c.dropout = dropout;
    auto m = make(c, 13, be);
    const int B = 3, T = 17;
    m->forward_backward(udlab::testing::random_batch(B, T, 13, 1), true, nullptr);
    EXPECT_EQ(m->owned_bytes(), m->activation_bytes(B, T)) << "dropout " << dropout;
    EXPECT_GT(m->workspace_bytes(B, T), m->activation_bytes(B, T));
  }
}

TEST(LruModel, PredictNextMatchesTheLossAtTheLastPosition) {
  CpuBackend<double> be(1);
  auto m = make(tiny_cfg(), 7, be);
  std::vector<int32_t> ctx = {1, 4, 2, 6, 0, 3};
  auto z = m->predict_next(ctx);
  ASSERT_EQ(z.size(), 7u);
  const int y = 5;
  Batch b;
  b.B = 1;
  b.T = int(ctx.size());
  b.tokens = ctx;
  b.tokens.push_back(y);
  b.weights.assign(ctx.size(), 0.f);
  b.weights.back() = 1.f;
  double lse = 0, mx = *std::max_element(z.begin(), z.end());
  for (double v : z) lse += std::exp(v - mx);
  lse = std::log(lse) + mx;
  EXPECT_NEAR(m->forward_backward(b, false, nullptr).mean_loss(), lse - z[y], 1e-12);
}

TEST(LruModel, TelemetryHasEigenvaluesRingAndProfiles) {
  CpuBackend<float> be(2);
  ModelConfig c = tiny_cfg();
  auto m = make(c, 7, be);
  const int T = 9;
  Telemetry tel;
  m->forward_backward(udlab::testing::random_batch(2, T, 7, 2), true, &tel);
  for (int l = 0; l < 2; ++l) {
    std::string s = ".layer" + std::to_string(l);
    ASSERT_EQ(tel.eigenvalues["lambda" + s].size(), size_t(c.state));
    for (auto lam : tel.eigenvalues["lambda" + s]) {
      EXPECT_GE(std::abs(lam), c.r_min - 1e-6);
      EXPECT_LE(std::abs(lam), c.r_max + 1e-6);
    }
    EXPECT_EQ(tel.profiles["state_norm" + s].size(), size_t(T));
    EXPECT_EQ(tel.profiles["state_grad_norm" + s].size(), size_t(T));
    EXPECT_LE(tel.scalars["nu_log" + s + ".min"], tel.scalars["nu_log" + s + ".max"]);
    EXPECT_NEAR(tel.scalars["nu" + s + ".min"], std::exp(tel.scalars["nu_log" + s + ".min"]), 1e-12);
  }
  EXPECT_EQ(tel.scalars["r_min"], c.r_min);
  EXPECT_EQ(tel.scalars["r_max"], c.r_max);
  for (const char* n : {"state_norm", "state_norm_min", "state_norm_max", "state_grad_norm"}) {
    ASSERT_EQ(tel.profiles[n].size(), size_t(T)) << n;
    for (double v : tel.profiles[n]) EXPECT_TRUE(std::isfinite(v) && v >= 0) << n;
  }
  for (int t = 0; t < T; ++t) {
    EXPECT_LE(tel.profiles["state_norm_min"][t], tel.profiles["state_norm"][t] + 1e-6);
    EXPECT_GE(tel.profiles["state_norm_max"][t], tel.profiles["state_norm"][t] - 1e-6);
  }
  EXPECT_EQ(tel.profiles["state_norm"], tel.profiles["state_norm.layer1"]);
  // x_0 = γ ⊙ B u_0 is nonzero and the first state has a nonzero adjoint.
  EXPECT_GT(tel.profiles["state_norm"][0], 0);
  EXPECT_GT(tel.profiles["state_grad_norm"][0], 0);
}

TEST(LruModel, DropoutIsSeededAndOnlyInTraining) {
  CpuBackend<float> be(2);
  ModelConfig c = tiny_cfg(), c0 = tiny_cfg();
  c.dropout = 0.3;
  auto a = make(c, 7, be), b = make(c, 7, be), z = make(c0, 7, be);
  Batch batch = udlab::testing::random_batch(2, 8, 7, 5);
  double la1 = a->forward_backward(batch, true, nullptr).mean_loss();
  double la2 = a->forward_backward(batch, true, nullptr).mean_loss();
  double lb1 = b->forward_backward(batch, true, nullptr).mean_loss();
  double lb2 = b->forward_backward(batch, true, nullptr).mean_loss();
  EXPECT_EQ(la1, lb1);
  EXPECT_EQ(la2, lb2);
  EXPECT_NE(la1, la2);  // a fresh mask every training step
  double lz = z->forward_backward(batch, true, nullptr).mean_loss();
  EXPECT_NE(la1, lz);
  // Evaluation ignores dropout: identical to the dropout-free model with the same parameters.
  EXPECT_EQ(a->forward_backward(batch, false, nullptr).mean_loss(), z->forward_backward(batch, false, nullptr).mean_loss());
}

TEST(LruModel, BadInputIsAClearError) {
  CpuBackend<float> be(1);
  auto m = make(tiny_cfg(), 7, be);
  Batch bad = udlab::testing::random_batch(1, 4, 7, 1);
  bad.tokens[2] = 7;
  EXPECT_THROW(m->forward_backward(bad, true, nullptr), Error);
  bad.tokens.pop_back();
  EXPECT_THROW(m->forward_backward(bad, true, nullptr), Error);
  EXPECT_THROW(m->predict_next({}), Error);
  ModelConfig c = tiny_cfg();
  c.dropout = 1.0;
  EXPECT_THROW(LruModel<float>(c, 7, be), Error);
  c = tiny_cfg();
  c.state = 0;
  EXPECT_THROW(LruModel<float>(c, 7, be), Error);
  c = tiny_cfg();
  c.lru_init = "orthogonal";
  EXPECT_THROW(LruModel<float>(c, 7, be), Error);
  c = tiny_cfg();
  c.r_min = 0.99;
  c.r_max = 0.5;
  LruModel<float> m2(c, 7, be);
  m2.params().allocate(be);
  Rng rng(1);
  EXPECT_THROW(m2.init(rng), Error);
}

TEST(LruModel, AdamWStepsReduceTheLossOnAFixedBatch) {
  CpuBackend<float> be(2);
  ModelConfig c = tiny_cfg();
  c.hidden = 16;
  c.state = 8;
  auto m = make(c, 6, be);
  Batch batch = udlab::testing::random_batch(4, 12, 6, 9);
  auto& ps = m->params();
  Buffer<float> mom(be, ps.numel()), vel(be, ps.numel());
  double first = 0, last = 0;
  for (int step = 1; step <= 60; ++step) {
    last = m->forward_backward(batch, true, nullptr).mean_loss();
    ASSERT_TRUE(std::isfinite(last));
    if (step == 1) first = last;
    for (const auto& s : ps.specs())
      be.dense().adamw(ps.values() + s.offset, ps.grads() + s.offset, mom.data() + s.offset, vel.data() + s.offset,
                       s.numel, 1e-2 * s.lr_mult, 0.9, 0.999, 1e-8, 0.0, 1 - std::pow(0.9, step),
                       1 - std::pow(0.999, step));
  }
  EXPECT_LT(last, 0.5 * first) << "first " << first << " last " << last;
}
