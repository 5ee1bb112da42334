// orth-rnn (group-valued recurrent weights): finite-difference gradients in double for every group and
// both nonlinearities, W on its group (and its eigenvalues on the unit circle) after 10⁴ float32 AdamW
// steps, the parameter set, the generator initialisations and the separate learning rate of A.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/model_registry.h"
#include "core/models/orth_rnn/orth_rnn.h"
#include "core/train/adamw.h"
#include "core/util/error.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {

ModelConfig config(const std::string& group, int d, const std::string& act, int layers = 1,
                   const std::string& init = "henaff") {
  ModelConfig c;
  c.model = "orth-rnn";
  c.group = group;
  c.d = d;
  c.embed = 3;
  c.layers = layers;
  c.orth_act = act;
  c.orth_init = init;
  return c;
}

template <class S>
std::unique_ptr<OrthRnnModel<S>> build(const ModelConfig& c, int V, Backend<S>& be, uint64_t seed = 1) {
  auto m = std::make_unique<OrthRnnModel<S>>(c, V, be);
  m->params().allocate(be);
  Rng r(seed);
  m->init(r);
  return m;
}

const char* kGroups[][2] = {{"o", "3"}, {"so", "3"}, {"u", "2"}, {"su", "2"}, {"torus", "3"},
                            {"blockdiag:2", "4"}, {"sp", "2"}};

}  // namespace

TEST(OrthRnn, GradientsMatchFiniteDifferencesForEveryGroupAndActivation) {
  CpuBackend<double> be(1);
  const int V = 5;
  for (auto& g : kGroups)
    for (const char* act : {"modrelu", "tanh"}) {
      const int layers = std::string(g[0]) == "o" ? 2 : 1;
      SCOPED_TRACE(std::string(g[0]) + " d=" + g[1] + " " + act);
      auto m = build<double>(config(g[0], std::stoi(g[1]), act, layers), V, be);
      // Move the modReLU biases off ±0.01 so that units sit on both sides of the kink.
      auto v = m->params().download_values();
      Rng r(3);
      for (auto& x : v) x += 0.1 * r.normal();
      m->params().upload_values(v);
      Batch b = udlab::testing::random_batch(2, 5, V, 3);
      b.weights.assign(size_t(b.B) * b.T, 1.0f);
      b.weights[1] = 0.0f;
      b.weights[4] = 2.5f;
      udlab::testing::expect_model_gradcheck(*m, b, 1e-6, 16);
    }
}

TEST(OrthRnn, ParameterSetAndInitialisations) {
  CpuBackend<double> be(1);
  auto m = build<double>(config("u", 3, "modrelu", 2), 7, be);
  EXPECT_EQ(m->config().hidden, 6);  // realified U(3)
  const auto& ps = m->params();
  for (int k = 0; k < 2; ++k) {
    int a = ps.index("rnn.generator_hh_l" + std::to_string(k));
    ASSERT_GE(a, 0);
    EXPECT_FALSE(ps.specs()[a].decay);
    EXPECT_EQ(ps.specs()[a].shape, (std::vector<int64_t>{6, 6}));
    int b = ps.index("rnn.modrelu_bias_l" + std::to_string(k));
    ASSERT_GE(b, 0);
    EXPECT_EQ(ps.specs()[b].numel, 3u);  // one bias per complex unit
    for (size_t i = 0; i < 3; ++i) EXPECT_LE(std::abs(ps.value(b)[i]), 0.01);
  }
  EXPECT_LT(ps.index("rnn.weight_hh_l0"), 0);
  auto tanh_model = build<double>(config("o", 4, "tanh"), 7, be);
  EXPECT_LT(tanh_model->params().index("rnn.modrelu_bias_l0"), 0);

  // Generators: in the algebra, 2×2 rotation blocks with the init's angle range.
  const int n = 8;
  for (const char* init : {"henaff", "cayley", "identity"}) {
    auto o = build<double>(config("o", n, "tanh", 1, init), 5, be, 9);
    const double* A = o->params().value(o->params().index("rnn.generator_hh_l0"));
    std::vector<double> P(n * n);
    o->group().project(A, P.data());
    for (int i = 0; i < n * n; ++i) EXPECT_EQ(P[i], A[i]) << init;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (!(i / 2 == j / 2 && i != j)) EXPECT_EQ(A[i * n + j], 0.0) << init;
    for (int j = 0; j < n; j += 2) {
      double th = A[j * n + j + 1];
      if (std::string(init) == "henaff") EXPECT_TRUE(th > -M_PI && th < M_PI);
      if (std::string(init) == "cayley") EXPECT_TRUE(th > -1.0 && th <= 0.0);
      if (std::string(init) == "identity") EXPECT_EQ(th, 0.0);
    }
    // W = exp(A): the identity init gives W = I.
    if (std::string(init) == "identity") {
      auto W = o->recurrent_weight(0);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) EXPECT_NEAR(W[i * n + j], i == j ? 1.0 : 0.0, 1e-15);
    }
  }
  ModelConfig c = config("o", 4, "tanh");
  c.orth_lr_factor = 0.1;
  auto f = build<double>(c, 5, be);
  EXPECT_EQ(f->params().specs()[f->params().index("rnn.generator_hh_l0")].lr_mult, 0.1);
  EXPECT_THROW(build<double>(config("o", 4, "relu"), 5, be), Error);
  EXPECT_THROW(build<double>(config("o", 4, "tanh", 1, "random"), 5, be), Error);
  EXPECT_THROW(build<double>(config("sp", 3, "tanh"), 5, be), Error);
}

// W is recomputed from A at every step, so it cannot drift: after 10⁴ float32 AdamW steps at a large
// learning rate (A far from its start), W is on its group and its eigenvalues on the unit circle.
TEST(OrthRnn, WeightStaysOnItsGroupOverTenThousandFloatSteps) {
  CpuBackend<float> be(1);
  for (auto& g : kGroups) {
    SCOPED_TRACE(g[0]);
    auto m = build<float>(config(g[0], std::stoi(g[1]), "modrelu"), 6, be, 4);
    AdamW<float> opt(be, m->params());
    Batch b = udlab::testing::random_batch(2, 6, 6, 8);
    const int a = m->params().index("rnn.generator_hh_l0");
    std::vector<float> A0(m->params().value(a), m->params().value(a) + m->params().specs()[a].numel);
    for (long t = 1; t <= 10000; ++t) {
      m->forward_backward(b, true, nullptr);
      opt.step(2e-2, 0.9, 0.999, 1e-8, 0.0, t);
    }
    double moved = 0;
    for (size_t i = 0; i < A0.size(); ++i) moved += std::abs(double(m->params().value(a)[i]) - A0[i]);
    EXPECT_GT(moved, 0.5);  // A travelled: the check is not of the initial point
    Telemetry tel;
    m->forward_backward(b, false, &tel);
    EXPECT_LT(tel.scalars.at("W_membership_error.layer0"), 1e-4);
    const auto& ev = tel.eigenvalues.at("W.layer0");
    EXPECT_EQ(int(ev.size()), m->group().d());
    for (auto z : ev) EXPECT_NEAR(std::abs(z), 1.0, 1e-4);
  }
}

TEST(OrthRnn, BadInputIsAClearError) {
  CpuBackend<double> be(1);
  auto m = build<double>(config("o", 3, "modrelu"), 4, be);
  Batch b = udlab::testing::random_batch(1, 3, 4, 1);
  b.tokens[2] = 9;
  EXPECT_THROW(m->forward_backward(b, false, nullptr), Error);
  EXPECT_THROW(build<double>(config("nope", 3, "tanh"), 4, be), Error);
}
