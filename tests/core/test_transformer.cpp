// transformer (GPT-2 baseline): gradient check in double, nanoGPT names and count, causality of
// predict_next, input validation, and that a few plain SGD steps in float reduce the loss.
#include <gtest/gtest.h>

#include <cmath>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/model_registry.h"
#include "support/gradcheck.h"

using namespace udlab;
namespace ut = udlab::testing;

namespace {
ModelConfig tiny(int layers = 2) {
  ModelConfig c;
  c.model = "transformer";
  c.hidden = 8;
  c.heads = 2;
  c.layers = layers;
  c.max_len = 6;
  return c;
}
template <class S>
std::unique_ptr<Model<S>> make(const ModelConfig& c, int V, Backend<S>& be);
template <>
std::unique_ptr<Model<double>> make(const ModelConfig& c, int V, Backend<double>& be) {
  return ModelRegistry::instance().get("transformer").make_double(c, V, be);
}
template <>
std::unique_ptr<Model<float>> make(const ModelConfig& c, int V, Backend<float>& be) {
  return ModelRegistry::instance().get("transformer").make_float(c, V, be);
}

// Larger-than-init weights so that attention is far from uniform and every path carries gradient.
void perturb(Model<double>& m, uint64_t seed, double s) {
  Rng r(seed);
  auto v = m.params().download_values();
  for (auto& x : v) x += s * r.normal();
  m.params().upload_values(v);
}
}  // namespace

TEST(Transformer, RegisteredWithHiddenAsMatchField) {
  EXPECT_EQ(ModelRegistry::instance().get("transformer").match_field, "hidden");
}

TEST(Transformer, NanoGptNamesAndParameterCount) {
  CpuBackend<double> be(1);
  const int V = 11, C = 8, L = 2, P = 6;
  auto m = make(tiny(L), V, be);
  auto& ps = m->params();
  for (const char* n : {"transformer.wte.weight", "transformer.wpe.weight", "transformer.h.1.ln_1.weight",
                        "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias",
                        "transformer.h.1.attn.c_proj.weight", "transformer.h.0.ln_2.bias",
                        "transformer.h.0.mlp.c_fc.weight", "transformer.h.1.mlp.c_proj.bias",
                        "transformer.ln_f.weight", "lm_head.weight"})
    EXPECT_GE(ps.index(n), 0) << n;
  EXPECT_EQ(ps.specs()[ps.index("transformer.h.0.attn.c_attn.weight")].shape, (std::vector<int64_t>{3 * C, C}));
  EXPECT_EQ(ps.specs()[ps.index("transformer.h.0.mlp.c_proj.weight")].shape, (std::vector<int64_t>{C, 4 * C}));
  // GPT-2: 12C^2 + 13C per block, plus embeddings, final LayerNorm and the untied head.
  EXPECT_EQ(ps.numel(), size_t(V * C + P * C + L * (12 * C * C + 13 * C) + 2 * C + V * C));
}

TEST(Transformer, GradientsMatchFiniteDifferences) {
  CpuBackend<double> be(2);
  const int V = 7;
  auto m = make(tiny(2), V, be);
  m->params().allocate(be);
  Rng rng(1);
  m->init(rng);
  perturb(*m, 2, 0.3);
  auto batch = ut::random_batch(2, 5, V, 3);
  ut::expect_model_gradcheck(*m, batch, 1e-6, 24);
}

TEST(Transformer, GradientsMatchWithLossWeightsAndFullTable) {
  CpuBackend<double> be(1);
  const int V = 5;
  auto cfg = tiny(1);
  cfg.heads = 4;
  auto m = make(cfg, V, be);
  m->params().allocate(be);
  Rng rng(4);
  m->init(rng);
  perturb(*m, 5, 0.3);
  auto batch = ut::random_batch(3, 6, V, 6);  // T == max_len
  batch.weights = {1, 0, 1, 1, 0.5f, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 2, 1};
  ut::expect_model_gradcheck(*m, batch, 1e-6, 24);
}

TEST(Transformer, PredictNextAgreesWithTheSequenceLoss) {
  // Causality: the loss at position t must equal the cross-entropy of predict_next on the prefix.
  CpuBackend<double> be(1);
  const int V = 9;
  auto m = make(tiny(2), V, be);
  m->params().allocate(be);
  Rng rng(7);
  m->init(rng);
  perturb(*m, 8, 0.3);
  auto batch = ut::random_batch(1, 6, V, 9);
  double loss = m->forward_backward(batch, false, nullptr).loss_sum;
  double sum = 0;
  for (int t = 0; t < 6; ++t) {
    std::vector<int32_t> ctx(batch.tokens.begin(), batch.tokens.begin() + t + 1);
    auto z = m->predict_next(ctx);
    ASSERT_EQ(int(z.size()), V);
    double mx = *std::max_element(z.begin(), z.end()), s = 0;
    for (double v : z) s += std::exp(v - mx);
    sum += std::log(s) + mx - z[batch.tokens[t + 1]];
  }
  EXPECT_NEAR(loss, sum, 1e-10);
}

TEST(Transformer, BadInputIsAClearError) {
  CpuBackend<double> be(1);
  auto cfg = tiny(1);
  cfg.heads = 3;
  EXPECT_THROW(make(cfg, 5, be), Error);  // 8 not divisible by 3
  auto m = make(tiny(1), 5, be);
  m->params().allocate(be);
  Rng rng(1);
  m->init(rng);
  EXPECT_THROW(m->forward_backward(ut::random_batch(1, 7, 5, 1), false, nullptr), Error);  // T > max_len
  auto bad = ut::random_batch(1, 4, 5, 1);
  bad.tokens[2] = 5;
  EXPECT_THROW(m->forward_backward(bad, false, nullptr), Error);
  EXPECT_THROW(m->predict_next({}), Error);
}

TEST(Transformer, TelemetryHasAStateNormProfile) {
  CpuBackend<float> be(1);
  auto m = make(tiny(1), 5, be);
  m->params().allocate(be);
  Rng rng(1);
  m->init(rng);
  Telemetry tel;
  m->forward_backward(ut::random_batch(2, 4, 5, 1), false, &tel);
  ASSERT_EQ(tel.profiles["state_norm"].size(), 4u);
  for (int t = 0; t < 4; ++t) {
    EXPECT_GT(tel.profiles["state_norm"][t], 0.0);
    EXPECT_LE(tel.profiles["state_norm_min"][t], tel.profiles["state_norm"][t]);
    EXPECT_GE(tel.profiles["state_norm_max"][t], tel.profiles["state_norm"][t]);
  }
}

TEST(Transformer, FloatSgdReducesTheLoss) {
  CpuBackend<float> be(2);
  const int V = 6;
  auto cfg = tiny(2);
  cfg.hidden = 16;
  auto m = make(cfg, V, be);
  m->params().allocate(be);
  Rng rng(3);
  m->init(rng);
  auto batch = ut::random_batch(4, 6, V, 10);
  double first = 0, last = 0;
  for (int it = 0; it < 60; ++it) {
    double l = m->forward_backward(batch, true, nullptr).mean_loss();
    if (it == 0) first = l;
    last = l;
    be.dense().axpy(-0.5f, m->params().grads(), m->params().values(), m->params().numel());
  }
  EXPECT_LT(last, 0.5 * first) << "first " << first << " last " << last;
}
