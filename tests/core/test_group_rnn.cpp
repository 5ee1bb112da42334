// group-rnn: gradient checks in double for every group and option, long-sequence membership in
// float32, determinants, telemetry and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>

#include "core/backend/cpu/cpu_backend.h"
#include "core/groups/xi_bound.h"
#include "core/models/group_rnn/group_rnn.h"
#include "core/models/model_registry.h"
#include "core/train/run_config.h"
#include "core/util/error.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {

ModelConfig config(const std::string& group, int d, bool mixing, bool learn_h0, bool reflect, int layers = 1) {
  ModelConfig c;
  c.model = "group-rnn";
  c.group = group;
  c.d = d;
  c.embed = 4;
  c.layers = layers;
  c.mixing = mixing;
  c.learn_h0 = learn_h0;
  c.reflect = reflect;
  return c;
}

// Moves every parameter off its initial value (α = 1, β = 0, B = 0, P0 = 0 are special points) so
// that every term of the gradient is exercised.
template <class S>
void jitter(Model<S>& m, uint64_t seed, double scale) {
  Rng r(seed);
  auto v = m.params().download_values();
  for (auto& x : v) x += S(scale * r.normal());
  m.params().upload_values(v);
}

template <class S>
std::unique_ptr<Model<S>> build(const ModelConfig& c, int V, Backend<S>& be, uint64_t seed = 1) {
  const auto& info = ModelRegistry::instance().get("group-rnn");
  std::unique_ptr<Model<S>> m;
  if constexpr (sizeof(S) == 8) m = info.make_double(c, V, be);
  else m = info.make_float(c, V, be);
  m->params().allocate(be);
  Rng r(seed);
  m->init(r);
  return m;
}

struct GcCase {
  const char* group;
  int d;
  bool mixing, learn_h0, reflect;
  int layers;
};

}  // namespace

TEST(GroupRnn, GradientsMatchFiniteDifferencesForEveryGroupAndOption) {
  const GcCase cases[] = {
      {"o", 3, false, false, false, 1},     {"o", 3, true, true, true, 1},   {"o", 3, true, false, false, 2},
      {"so", 3, false, true, false, 1},     {"so", 3, true, false, false, 1},
      {"u", 2, false, false, false, 1},     {"u", 2, true, true, false, 1},
      {"su", 2, false, false, false, 1},    {"su", 2, true, true, false, 1},
      {"torus", 3, false, false, false, 1}, {"torus", 3, true, true, false, 1},
      {"blockdiag:2", 4, false, false, false, 1}, {"blockdiag:2", 4, true, true, false, 2},
      {"blockdiag:3", 6, true, false, false, 1},
      {"sp", 2, false, false, false, 1},    {"sp", 4, true, true, false, 1},
  };
  CpuBackend<double> be(1);
  const int V = 5;
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.group) + " d=" + std::to_string(c.d) + (c.mixing ? " mixing" : "") +
                 (c.learn_h0 ? " learn_h0" : "") + (c.reflect ? " reflect" : "") + " layers=" + std::to_string(c.layers));
    auto m = build<double>(config(c.group, c.d, c.mixing, c.learn_h0, c.reflect, c.layers), V, be);
    jitter(*m, 7, 0.2);
    Batch b = udlab::testing::random_batch(2, 5, V, 3);
    udlab::testing::expect_model_gradcheck(*m, b, 1e-6, 12);
  }
}

// B ≥ 16 runs the first 16 sequences through the interleaved recurrence (cpu_group_rnn_lanes.h) and the
// 17th through the per-matrix loop: both against finite differences, with and without mixing.
TEST(GroupRnn, GradientsMatchFiniteDifferencesThroughTheInterleavedBlocks) {
  CpuBackend<double> be(2);
  const int V = 5;
  for (bool mixing : {false, true}) {
    SCOPED_TRACE(mixing ? "mixing" : "plain");
    auto m = build<double>(config("o", 4, mixing, true, false, 1), V, be);
    jitter(*m, 11, 0.2);
    udlab::testing::expect_model_gradcheck(*m, udlab::testing::random_batch(17, 4, V, 3), 1e-6, 12);
  }
}

TEST(GroupRnn, WeightedLossGradientsMatchFiniteDifferences) {
  CpuBackend<double> be(1);
  auto m = build<double>(config("u", 2, true, false, false), 4, be);
  jitter(*m, 9, 0.2);
  Batch b = udlab::testing::random_batch(2, 4, 4, 5);
  b.weights = {0, 1, 0.5, 0, 1, 1, 0, 2};
  udlab::testing::expect_model_gradcheck(*m, b, 1e-6, 12);
}

TEST(GroupRnn, MembershipStaysBelowThresholdOverTenThousandStepsInFloat) {
  CpuBackend<float> be(2);
  // The default threshold (1e-4), then a tight one that forces the re-orthogonalisation path.
  for (auto [g, thr] : {std::pair{"o", 1e-4}, {"u", 1e-4}, {"o", 3e-6}, {"u", 3e-6}}) {
    ModelConfig c = config(g, 8, true, false, false);
    c.embed = 16;
    c.reorth_threshold = thr;
    auto m = build<float>(c, 10, be);
    // Larger generators than at init (‖ξ‖_F ≈ 1.5) make float drift faster: a harder test.
    jitter(*m, 3, 0.05);
    Batch b = udlab::testing::random_batch(2, 10000, 10, 11);
    Telemetry tel;
    m->forward_backward(b, false, &tel);
    const auto& me = tel.profiles.at("membership_error");
    ASSERT_EQ(me.size(), 10000u);
    double worst = 0;
    for (double e : me) worst = std::max(worst, e);
    EXPECT_LT(worst, 1e-4) << g;
    auto* gm = dynamic_cast<GroupRnn<float>*>(m.get());
    ASSERT_NE(gm, nullptr);
    if (thr < 1e-5) {
      // Checked every kReorthEvery steps: between checks the drift of a few steps adds to the threshold.
      EXPECT_LT(worst, 2 * thr) << g;
      EXPECT_GT(gm->last_reorth_events(), 0) << g;
    }
    EXPECT_EQ(double(gm->last_reorth_events()), tel.scalars.at("reorth_events"));
    std::printf("[ info ] %s(8) float32, T=10000, B=2, threshold %.0e: max membership error %.3g, %d "
                "re-orthogonalisations (checked every %d steps), mean ||xi||_F %.3g\n",
                g, thr, worst, gm->last_reorth_events(), GroupRnn<float>::kReorthEvery, tel.scalars.at("xi_norm_mean"));
    // state norm is √n by construction
    for (double s : tel.profiles.at("state_norm")) ASSERT_NEAR(s, std::sqrt(double(gm->group().n())), 1e-3);
  }
}

TEST(GroupRnn, DeterminantOfTheStateIsKeptByTheGroup) {
  CpuBackend<double> be(1);
  struct C { const char* g; int d; bool reflect; std::complex<double> det; };
  for (C c : {C{"so", 4, false, 1.0}, C{"o", 4, true, -1.0}, C{"o", 5, false, 1.0}, C{"su", 3, false, 1.0}, C{"sp", 4, false, 1.0}}) {
    auto m = build<double>(config(c.g, c.d, true, true, c.reflect), 6, be);
    jitter(*m, 4, 0.3);
    Telemetry tel;
    m->forward_backward(udlab::testing::random_batch(3, 20, 6, 2), true, &tel);
    std::complex<double> det = 1;
    for (auto z : tel.eigenvalues.at("h_t")) det *= z;
    EXPECT_NEAR(std::abs(det - c.det), 0.0, 1e-10) << c.g;
    EXPECT_EQ(int(tel.eigenvalues.at("h_t").size()), c.d) << c.g << ": d complex eigenvalues";
    for (auto z : tel.eigenvalues.at("exp_xi")) EXPECT_NEAR(std::abs(z), 1.0, 1e-10) << c.g;
    for (const char* p : {"state_norm", "state_norm_min", "state_norm_max", "state_grad_norm", "membership_error"})
      EXPECT_EQ(tel.profiles.at(p).size(), 20u) << p;
  }
}

TEST(GroupRnn, PredictNextAgreesWithTheLossAtTheLastPosition) {
  CpuBackend<double> be(1);
  auto m = build<double>(config("u", 3, true, true, false), 7, be);
  jitter(*m, 5, 0.2);
  std::vector<int32_t> ctx = {1, 4, 2, 6, 0};
  auto z = m->predict_next(ctx);
  ASSERT_EQ(z.size(), 7u);
  double mx = *std::max_element(z.begin(), z.end()), s = 0;
  for (double v : z) s += std::exp(v - mx);
  const int y = 3;
  double nll = std::log(s) + mx - z[y];
  Batch b;
  b.B = 1;
  b.T = 5;
  b.tokens = ctx;
  b.tokens.push_back(y);
  b.weights = {0, 0, 0, 0, 1};
  EXPECT_NEAR(m->forward_backward(b, false, nullptr).mean_loss(), nll, 1e-12);
}

TEST(GroupRnn, BadConfigurationsAndInputsAreClearErrors) {
  CpuBackend<float> be(1);
  const auto& info = ModelRegistry::instance().get("group-rnn");
  EXPECT_THROW(info.make_float(config("u", 4, false, false, true), 5, be), Error);
  EXPECT_THROW(info.make_float(config("blockdiag:3", 8, false, false, false), 5, be), Error);
  EXPECT_THROW(info.make_float(config("sp", 3, false, false, false), 5, be), Error);
  EXPECT_THROW(info.make_float(config("nope", 3, false, false, false), 5, be), Error);
  auto m = build<float>(config("o", 4, false, false, false), 5, be);
  Batch b = udlab::testing::random_batch(2, 3, 5, 1);
  b.tokens[3] = 9;
  EXPECT_THROW(m->forward_backward(b, true, nullptr), Error);
  EXPECT_THROW(m->predict_next({}), Error);
  EXPECT_GT(m->workspace_bytes(32, 128), m->workspace_bytes(32, 64));
}

TEST(GroupRnn, InitialGeneratorsAreSmall) {
  CpuBackend<float> be(1);
  for (const char* g : {"o", "u", "torus", "sp"}) {
    ModelConfig c = config(g, 8, false, false, false);
    c.embed = 32;
    auto m = build<float>(c, 20, be);
    Telemetry tel;
    m->forward_backward(udlab::testing::random_batch(4, 16, 20, 1), false, &tel);
    double xm = tel.scalars.at("xi_norm_mean");
    EXPECT_GT(xm, 0.2) << g;
    EXPECT_LT(xm, 1.0) << g;
  }
}

// --xi-bound (udlab's σ_c, core/groups/xi_bound.h): σ_c's adjoint against central differences on both
// sides of the series/closed-form switch (r/c = 1e-3) and far into saturation; the bound itself.
TEST(GroupRnn, XiBoundAdjointMatchesFiniteDifferences) {
  const double c = 2.0;
  const size_t n = 9;
  Rng r(3);
  for (double norm : {1e-5, 1.9e-3, 2.1e-3, 0.7, 3.0, 40.0}) {
    std::vector<double> xi(n), w(n), y(n);
    for (auto& v : w) v = r.normal();
    for (auto& v : xi) v = r.normal();
    const double s = norm / std::sqrt(sum_squares(xi.data(), n));
    for (auto& v : xi) v *= s;
    auto f = [&](const std::vector<double>& x) {
      std::vector<double> out(n);
      xi_bound_apply(x.data(), out.data(), n, c);
      double d = 0;
      for (size_t i = 0; i < n; ++i) d += w[i] * out[i];
      return d;
    };
    const XiBoundFactors fb = xi_bound_apply(xi.data(), y.data(), n, c);
    EXPECT_NEAR(std::sqrt(sum_squares(y.data(), n)), c * std::tanh(norm / c), 1e-12 * std::max(1.0, norm));
    std::vector<double> g = w;
    xi_bound_adjoint(xi.data(), fb, g.data(), n);
    udlab::testing::expect_gradient_matches(f, xi, g, "sigma_c at |xi| = " + std::to_string(norm), 1e-8, n);
  }
}

TEST(GroupRnn, XiBoundGradientsMatchFiniteDifferences) {
  const GcCase cases[] = {
      {"o", 3, false, false, false, 1}, {"so", 3, true, false, false, 2}, {"u", 2, true, true, false, 1},
      {"blockdiag:2", 4, false, true, false, 1}, {"sp", 2, false, false, false, 1},
  };
  CpuBackend<double> be(1);
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.group) + (c.mixing ? " mixing" : "") + " layers=" + std::to_string(c.layers));
    ModelConfig cfg = config(c.group, c.d, c.mixing, c.learn_h0, c.reflect, c.layers);
    cfg.xi_bound = 0.4;  // below the jittered generators' norms, so σ_c is far from the identity
    auto m = build<double>(cfg, 5, be);
    jitter(*m, 7, 0.3);
    udlab::testing::expect_model_gradcheck(*m, udlab::testing::random_batch(2, 5, 5, 3), 1e-6, 12);
  }
}

// Generators pushed far past π (large weights) stay on the group with the bound, and the rotation each
// step applies is bounded: for ‖σ_c(ξ)‖_F < c every eigenvalue e^{ia} of exp(σ_c(ξ)) has |a| < c/√2
// (a real skew ξ has its ±a in pairs, so ‖ξ‖_F² ≥ 2a²; likewise ‖ξ‖_F of a complex one is ≥ |a| √2
// realified).
TEST(GroupRnn, XiBoundKeepsStatesOnTheGroupAndRotationsBelowTheBound) {
  CpuBackend<float> be(1);
  for (const char* g : {"o", "u"}) {
    ModelConfig c = config(g, 8, false, false, false);
    c.embed = 16;
    c.xi_bound = 3.14159265;
    auto m = build<float>(c, 10, be);
    jitter(*m, 3, 0.5);
    Telemetry tel;
    m->forward_backward(udlab::testing::random_batch(2, 2000, 10, 11), false, &tel);
    EXPECT_GT(tel.scalars.at("xi_norm_mean"), 2 * c.xi_bound) << g << ": the bound must be active";
    double worst = 0;
    for (double e : tel.profiles.at("membership_error")) worst = std::max(worst, e);
    EXPECT_LT(worst, 1e-4) << g;
    for (auto z : tel.eigenvalues.at("exp_xi")) {
      EXPECT_NEAR(std::abs(z), 1.0, 1e-4) << g;
      EXPECT_LT(std::abs(std::arg(z)), c.xi_bound / std::sqrt(2.0) + 1e-4) << g;
    }
  }
}

// --readout token-xi (udlab's variant): logits from [vec h_{t+1}, vec ξ_t]. FD in double for the group
// families, mixing, learned h0, two layers, the bound, and recomputation in chunks (T = 20, chunks of 16);
// predict_next reads the same row as the loss.
TEST(GroupRnn, XiReadoutGradientsMatchFiniteDifferences) {
  struct C { GcCase g; double bound; int chunk, T; };
  const C cases[] = {
      {{"o", 3, false, false, false, 1}, 0, 0, 5},   {{"u", 2, true, true, false, 1}, 0, 0, 5},
      {{"blockdiag:2", 4, false, true, false, 2}, 0, 0, 5}, {{"sp", 2, true, false, false, 1}, 0.4, 0, 5},
      {{"so", 3, true, true, false, 1}, 0.4, 16, 20},
  };
  CpuBackend<double> be(1);
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.g.group) + " chunk=" + std::to_string(c.chunk));
    ModelConfig cfg = config(c.g.group, c.g.d, c.g.mixing, c.g.learn_h0, c.g.reflect, c.g.layers);
    cfg.readout = "token-xi";
    cfg.xi_bound = c.bound;
    cfg.recompute_chunk = c.chunk;
    auto m = build<double>(cfg, 5, be);
    jitter(*m, 7, 0.2);
    udlab::testing::expect_model_gradcheck(*m, udlab::testing::random_batch(2, c.T, 5, 3), 1e-6, c.chunk ? 6 : 12);
  }
  ModelConfig cfg = config("u", 3, true, true, false);
  cfg.readout = "token-xi";
  auto m = build<double>(cfg, 7, be);
  jitter(*m, 5, 0.2);
  std::vector<int32_t> ctx = {1, 4, 2, 6, 0};
  auto z = m->predict_next(ctx);
  double mx = *std::max_element(z.begin(), z.end()), s = 0;
  for (double v : z) s += std::exp(v - mx);
  Batch b;
  b.B = 1;
  b.T = 5;
  b.tokens = ctx;
  b.tokens.push_back(3);
  b.weights = {0, 0, 0, 0, 1};
  EXPECT_NEAR(m->forward_backward(b, false, nullptr).mean_loss(), std::log(s) + mx - z[3], 1e-12);
}

TEST(GroupRnn, VariantConfigurationsAreChecked) {
  RunConfig rc;
  rc.model.model = "group-rnn";
  for (double c : {-1.0, 3.2, 10.0}) {
    rc.model.xi_bound = c;
    EXPECT_THROW(validate(rc), Error) << c;
  }
  rc.model.xi_bound = 3.14159265;
  rc.model.readout = "token-xi";
  EXPECT_NO_THROW(validate(rc));
  rc.model.model = "lstm";
  rc.model.xi_bound = 0;
  EXPECT_THROW(validate(rc), Error);
}

TEST(GroupRnn, EmbeddingAndHeadTrainAtTheirOwnLearningRate) {
  CpuBackend<double> be(1);
  ModelConfig c = config("o", 3, true, true, false, 2);
  c.io_lr_factor = 7;
  auto m = build<double>(c, 5, be);
  int io = 0;
  for (const ParamSpec& s : m->params().specs()) {
    const bool outside = s.name == "embedding.weight" || s.name.rfind("head.", 0) == 0;
    io += outside;
    EXPECT_EQ(s.lr_mult, outside ? 7.0 : 1.0) << s.name;
  }
  EXPECT_EQ(io, 3);
  RunConfig rc;
  rc.model.model = "group-rnn";
  for (double f : {0.0, -1.0, std::nan("")}) {
    rc.model.io_lr_factor = f;
    EXPECT_THROW(validate(rc), Error) << f;
  }
}
