// The `lstm` and `rnn-tanh` models: forward against a naive reference of the PyTorch equations,
// whole-model finite-difference gradient checks (multi-layer, weighted batch), float vs double,
// telemetry, learning on a toy sequence, and clear errors for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/model_registry.h"
#include "support/gradcheck.h"

using namespace udlab;
using udlab::testing::expect_model_gradcheck;
using udlab::testing::random_batch;

namespace {

ModelConfig small_config(const std::string& name, int layers = 2) {
  ModelConfig c;
  c.model = name;
  c.layers = layers;
  c.embed = 5;
  c.hidden = 4;
  return c;
}

template <class S>
std::unique_ptr<Model<S>> make_model(const ModelConfig& c, int V, Backend<S>& be, uint64_t seed = 11) {
  const ModelInfo& info = ModelRegistry::instance().get(c.model);
  std::unique_ptr<Model<S>> m;
  if constexpr (std::is_same_v<S, float>) m = info.make_float(c, V, be);
  else m = info.make_double(c, V, be);
  m->params().allocate(be);
  Rng rng(seed);
  m->init(rng);
  return m;
}

Batch weighted(Batch b, uint64_t seed) {
  Rng r(seed);
  b.weights.resize(size_t(b.B) * b.T);
  for (auto& w : b.weights) w = float(r.below(4)) * 0.5f;  // 0, 0.5, 1, 1.5: masks and weights
  b.weights[0] = 1.0f;
  return b;
}

// ---- naive references of nn.LSTM / nn.RNN (double, one sequence at a time) ----
using Vec = std::vector<double>;
struct HostParams {
  std::map<std::string, Vec> t;
  const Vec& operator[](const std::string& n) const { return t.at(n); }
};
HostParams host_params(Model<double>& m) {
  HostParams p;
  auto v = m.params().download_values();
  for (auto& s : m.params().specs()) p.t[s.name] = Vec(v.begin() + s.offset, v.begin() + s.offset + s.numel);
  return p;
}
Vec matvec(const Vec& W, const Vec& x, int rows) {
  int cols = int(x.size());
  Vec y(rows, 0.0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) y[r] += W[size_t(r) * cols + c] * x[c];
  return y;
}
double sigm(double x) { return 1 / (1 + std::exp(-x)); }

// Mean weighted cross-entropy of the reference model on a batch.
double reference_loss(const std::string& model, const HostParams& p, const ModelConfig& c, int V, const Batch& b) {
  const int H = c.hidden, E = c.embed;
  double loss = 0, wsum = 0;
  for (int s = 0; s < b.B; ++s) {
    std::vector<Vec> h(c.layers, Vec(H, 0.0)), cc(c.layers, Vec(H, 0.0));
    for (int t = 0; t < b.T; ++t) {
      int tok = b.tokens[size_t(s) * (b.T + 1) + t];
      Vec x(p["embedding.weight"].begin() + size_t(tok) * E, p["embedding.weight"].begin() + size_t(tok + 1) * E);
      for (int k = 0; k < c.layers; ++k) {
        std::string l = "_l" + std::to_string(k);
        int G = model == "lstm" ? 4 : 1;
        Vec a = matvec(p["rnn.weight_ih" + l], x, G * H), r = matvec(p["rnn.weight_hh" + l], h[k], G * H);
        for (int i = 0; i < G * H; ++i) a[i] += r[i] + p["rnn.bias_ih" + l][i] + p["rnn.bias_hh" + l][i];
        for (int j = 0; j < H; ++j) {
          if (model == "lstm") {
            double ig = sigm(a[j]), fg = sigm(a[H + j]), gg = std::tanh(a[2 * H + j]), og = sigm(a[3 * H + j]);
            cc[k][j] = fg * cc[k][j] + ig * gg;
            h[k][j] = og * std::tanh(cc[k][j]);
          } else {
            h[k][j] = std::tanh(a[j]);
          }
        }
        x = h[k];
      }
      Vec z = matvec(p["head.weight"], x, V);
      double mx = -1e300, se = 0;
      for (int v = 0; v < V; ++v) mx = std::max(mx, z[v] += p["head.bias"][v]);
      for (int v = 0; v < V; ++v) se += std::exp(z[v] - mx);
      int y = b.tokens[size_t(s) * (b.T + 1) + t + 1];
      double w = b.weights.empty() ? 1.0 : b.weights[size_t(s) * b.T + t];
      loss += w * (std::log(se) + mx - z[y]);
      wsum += w;
    }
  }
  return loss / wsum;
}

class RecurrentModel : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(RecurrentModel, TensorNamesAndShapesFollowPyTorch) {
  CpuBackend<double> be(1);
  ModelConfig c = small_config(GetParam());
  const int V = 7, G = GetParam() == "lstm" ? 4 : 1;
  auto m = make_model<double>(c, V, be);
  std::map<std::string, std::vector<int64_t>> want = {
      {"embedding.weight", {V, 5}},    {"rnn.weight_ih_l0", {G * 4, 5}}, {"rnn.weight_hh_l0", {G * 4, 4}},
      {"rnn.bias_ih_l0", {G * 4}},     {"rnn.bias_hh_l0", {G * 4}},      {"rnn.weight_ih_l1", {G * 4, 4}},
      {"rnn.weight_hh_l1", {G * 4, 4}}, {"rnn.bias_ih_l1", {G * 4}},     {"rnn.bias_hh_l1", {G * 4}},
      {"head.weight", {V, 4}},         {"head.bias", {V}}};
  ASSERT_EQ(m->params().specs().size(), want.size());
  for (auto& s : m->params().specs()) {
    ASSERT_TRUE(want.count(s.name)) << s.name;
    EXPECT_EQ(s.shape, want[s.name]) << s.name;
  }
}

TEST_P(RecurrentModel, InitFollowsPyTorchRanges) {
  CpuBackend<double> be(1);
  ModelConfig c = small_config(GetParam(), 1);
  c.hidden = 64;
  c.embed = 32;
  auto m = make_model<double>(c, 50, be);
  auto p = host_params(*m);
  const double a = 1 / std::sqrt(64.0);
  for (auto& name : {"rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "head.weight", "head.bias"}) {
    const Vec& v = p[name];
    double mx = 0, ss = 0;
    for (double x : v) mx = std::max(mx, std::abs(x)), ss += x * x;
    EXPECT_LE(mx, a) << name;
    EXPECT_GT(mx, 0.8 * a) << name;
    if (v.size() > 1000) EXPECT_NEAR(std::sqrt(ss / v.size()), a / std::sqrt(3.0), 0.1 * a) << name;  // U(-a,a)
  }
  const Vec& e = p["embedding.weight"];
  double ss = 0;
  for (double x : e) ss += x * x;
  EXPECT_NEAR(std::sqrt(ss / e.size()), 1.0, 0.05);  // N(0,1)
}

TEST_P(RecurrentModel, ForwardMatchesNaiveReference) {
  CpuBackend<double> be(2);
  ModelConfig c = small_config(GetParam());
  const int V = 7;
  auto m = make_model<double>(c, V, be);
  Batch b = weighted(random_batch(3, 6, V, 21), 22);
  double got = m->forward_backward(b, false, nullptr).mean_loss();
  EXPECT_NEAR(got, reference_loss(GetParam(), host_params(*m), c, V, b), 1e-12);
}

TEST_P(RecurrentModel, GradientMatchesFiniteDifferencesMultiLayerWeighted) {
  CpuBackend<double> be(2);
  ModelConfig c = small_config(GetParam());
  auto m = make_model<double>(c, 7, be);
  expect_model_gradcheck(*m, weighted(random_batch(3, 6, 7, 31), 32), 1e-6, 24);
}

TEST_P(RecurrentModel, GradientMatchesFiniteDifferencesSingleStepThreeLayers) {
  CpuBackend<double> be(1);
  ModelConfig c = small_config(GetParam(), 3);
  auto m = make_model<double>(c, 6, be);
  expect_model_gradcheck(*m, random_batch(2, 1, 6, 41), 1e-6, 24);
}

// Big enough that the GEMMs and cells run on two threads.
TEST_P(RecurrentModel, GradientMatchesFiniteDifferencesThreadedShapes) {
  CpuBackend<double> be(2);
  ModelConfig c = small_config(GetParam(), 1);
  c.embed = 16;
  c.hidden = 48;
  auto m = make_model<double>(c, 11, be);
  expect_model_gradcheck(*m, weighted(random_batch(48, 5, 11, 51), 52), 1e-6, 6);
}

TEST_P(RecurrentModel, GradientsAreOverwrittenNotAccumulated) {
  CpuBackend<double> be(1);
  auto m = make_model<double>(small_config(GetParam()), 7, be);
  Batch b = random_batch(2, 4, 7, 61);
  m->forward_backward(b, true, nullptr);
  auto g1 = m->params().download_grads();
  m->forward_backward(b, true, nullptr);
  EXPECT_EQ(g1, m->params().download_grads());
}

TEST_P(RecurrentModel, FloatForwardAgreesWithDouble) {
  CpuBackend<double> bd(2);
  CpuBackend<float> bf(2);
  ModelConfig c = small_config(GetParam());
  c.embed = 24;
  c.hidden = 32;
  auto md = make_model<double>(c, 13, bd);
  auto mf = make_model<float>(c, 13, bf);
  auto pd = md->params().download_values();
  mf->params().upload_values(std::vector<float>(pd.begin(), pd.end()));
  Batch b = weighted(random_batch(8, 20, 13, 71), 72);
  double ld = md->forward_backward(b, true, nullptr).mean_loss();
  double lf = mf->forward_backward(b, true, nullptr).mean_loss();
  EXPECT_NEAR(lf, ld, 1e-5 * ld);
  auto gd = md->params().download_grads();
  auto gf = mf->params().download_grads();
  double num = 0, den = 0;
  for (size_t i = 0; i < gd.size(); ++i) num += (gf[i] - gd[i]) * (gf[i] - gd[i]), den += gd[i] * gd[i];
  EXPECT_LT(std::sqrt(num / den), 1e-4);
  auto zd = md->predict_next({1, 2, 3, 4});
  auto zf = mf->predict_next({1, 2, 3, 4});
  for (size_t v = 0; v < zd.size(); ++v) EXPECT_NEAR(zf[v], zd[v], 1e-4 * (1 + std::abs(zd[v])));
}

TEST_P(RecurrentModel, PredictNextGivesTheLogitsOfTheLastPosition) {
  CpuBackend<double> be(1);
  ModelConfig c = small_config(GetParam());
  auto m = make_model<double>(c, 7, be);
  std::vector<int32_t> ctx = {3, 1, 4, 1, 5};
  auto z = m->predict_next(ctx);
  ASSERT_EQ(z.size(), 7u);
  // The loss of the last position alone (weights mask the rest) is the cross-entropy of these logits.
  Batch b;
  b.B = 1;
  b.T = int(ctx.size());
  b.tokens = ctx;
  b.tokens.push_back(2);
  b.weights.assign(ctx.size(), 0.0f);
  b.weights.back() = 1.0f;
  double mx = *std::max_element(z.begin(), z.end()), se = 0;
  for (double v : z) se += std::exp(v - mx);
  EXPECT_NEAR(m->forward_backward(b, false, nullptr).mean_loss(), std::log(se) + mx - z[2], 1e-12);
}

TEST_P(RecurrentModel, TelemetryProfilesAreSane) {
  CpuBackend<double> be(2);
  ModelConfig c = small_config(GetParam());
  c.hidden = 16;
  auto m = make_model<double>(c, 9, be);
  const int B = 5, T = 7;
  Batch b = random_batch(B, T, 9, 81);
  Telemetry tel;
  m->forward_backward(b, true, &tel);
  for (auto& name : {"state_norm", "state_norm_min", "state_norm_max", "state_grad_norm"}) {
    ASSERT_TRUE(tel.profiles.count(name)) << name;
    EXPECT_EQ(tel.profiles[name].size(), size_t(T)) << name;
  }
  for (int t = 0; t < T; ++t) {
    double mn = tel.profiles["state_norm_min"][t], mean = tel.profiles["state_norm"][t],
           mx = tel.profiles["state_norm_max"][t];
    EXPECT_LE(mn, mean + 1e-15);
    EXPECT_LE(mean, mx + 1e-15);
    EXPECT_GT(mn, 0);
    EXPECT_LT(mx, std::sqrt(16.0));  // |h_j| < 1 for both cells
    EXPECT_GT(tel.profiles["state_grad_norm"][t], 0);
  }
  // The last step's state gets gradient only from its own prediction: ‖∂L/∂h_{T-1}‖ = ‖W_head^T dz‖/(B·T),
  // which is bounded by ‖W_head‖_F · sqrt(2) / (B·T).
  auto p = host_params(*m);
  double fro = 0;
  for (double x : p["head.weight"]) fro += x * x;
  EXPECT_LE(tel.profiles["state_grad_norm"][T - 1], std::sqrt(2 * fro) / (B * T));

  // The state norm profile is the mean of ‖h_t‖ over the batch, cross-checked on one-sequence batches.
  for (int t : {0, T - 1}) {
    double mean = 0;
    for (int s = 0; s < B; ++s) {
      Batch one;
      one.B = 1;
      one.T = T;
      one.tokens.assign(b.tokens.begin() + size_t(s) * (T + 1), b.tokens.begin() + size_t(s + 1) * (T + 1));
      Telemetry t1;
      m->forward_backward(one, false, &t1);
      EXPECT_FALSE(t1.profiles.count("state_grad_norm"));  // no backward, no gradient profile
      mean += t1.profiles["state_norm"][t] / B;
    }
    EXPECT_NEAR(tel.profiles["state_norm"][t], mean, 1e-12);
  }
}

TEST_P(RecurrentModel, NoTelemetryLeavesNothingBehind) {
  CpuBackend<float> be(2);
  auto m = make_model<float>(small_config(GetParam()), 7, be);
  Batch b = random_batch(2, 4, 7, 91);
  auto r1 = m->forward_backward(b, true, nullptr);
  Telemetry tel;
  auto r2 = m->forward_backward(b, true, &tel);
  EXPECT_EQ(r1.loss_sum, r2.loss_sum);  // telemetry observes, it does not change the step
}

TEST_P(RecurrentModel, LossFallsWithAdamWOnARepetitiveSequence) {
  CpuBackend<float> be(2);
  ModelConfig c = small_config(GetParam(), 1);
  c.embed = 8;
  c.hidden = 32;
  const int V = 5, B = 8, T = 16;
  auto m = make_model<float>(c, V, be);
  const size_t n = m->params().numel();
  Buffer<float> mom(be, n), vel(be, n);
  const int pattern[] = {0, 1, 2, 3, 4, 2, 1};  // period 7; after two tokens the next one is determined
  Rng rng(7);
  double first = 0, last = 0;
  const int steps = 60;
  for (int step = 1; step <= steps; ++step) {
    Batch b;
    b.B = B;
    b.T = T;
    for (int s = 0; s < B; ++s) {
      int off = int(rng.below(7));
      for (int t = 0; t <= T; ++t) b.tokens.push_back(pattern[(off + t) % 7]);
    }
    double loss = m->forward_backward(b, true, nullptr).mean_loss();
    if (step == 1) first = loss;
    if (step > steps - 5) last += loss / 5;
    be.dense().adamw(m->params().values(), m->params().grads(), mom.data(), vel.data(), n, 1e-2, 0.9, 0.999, 1e-8,
                     0.0, 1 - std::pow(0.9, step), 1 - std::pow(0.999, step));
  }
  EXPECT_NEAR(first, std::log(double(V)), 0.5);
  EXPECT_LT(last, 0.25 * first) << "first " << first << " last " << last;
}

TEST_P(RecurrentModel, BadInputGivesClearErrors) {
  CpuBackend<double> be(1);
  auto m = make_model<double>(small_config(GetParam()), 7, be);
  Batch b = random_batch(2, 3, 7, 101);
  auto expect_error = [&](Batch bad, const std::string& needle) {
    try {
      m->forward_backward(bad, true, nullptr);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  Batch bad = b;
  bad.tokens[3] = 7;
  expect_error(bad, "outside the vocabulary");
  bad = b;
  bad.tokens[0] = -1;
  expect_error(bad, "outside the vocabulary");
  bad = b;
  bad.tokens.pop_back();
  expect_error(bad, "expected B*(T+1)");
  bad = b;
  bad.weights = {1.0f};
  expect_error(bad, "expected B*T");
  bad = b;
  bad.T = 0;
  expect_error(bad, "T >= 1");
  bad = weighted(b, 5);
  bad.weights[1] = NAN;
  expect_error(bad, "finite and non-negative");
  EXPECT_THROW(m->predict_next({}), Error);
  EXPECT_THROW(m->predict_next({1, 99}), Error);

  ModelConfig c = small_config(GetParam());
  c.hidden = 0;
  EXPECT_THROW(make_model<double>(c, 7, be), Error);
  c = small_config(GetParam());
  c.layers = 0;
  EXPECT_THROW(make_model<double>(c, 7, be), Error);
  // Unallocated parameters are an error, not a crash.
  auto raw = ModelRegistry::instance().get(GetParam()).make_double(small_config(GetParam()), 7, be);
  EXPECT_THROW(raw->forward_backward(b, false, nullptr), Error);
  Rng rng(1);
  EXPECT_THROW(raw->init(rng), Error);
}

TEST_P(RecurrentModel, WorkspaceEstimateScalesAndSaturates) {
  CpuBackend<float> be(2);
  ModelConfig c = small_config(GetParam(), 2);
  c.embed = c.hidden = 256;
  auto m = ModelRegistry::instance().get(GetParam()).make_float(c, 65, be);
  size_t a = m->workspace_bytes(32, 128), b2 = m->workspace_bytes(32, 256);
  // Activations dominate: at least the per-layer pre-activations and outputs, in floats.
  const int G = GetParam() == "lstm" ? 4 : 1;
  EXPECT_GE(a, size_t(32) * 128 * 2 * (G * 256 + 256) * sizeof(float));
  EXPECT_GT(b2, a + a / 2);
  EXPECT_GT(m->workspace_bytes(1 << 30, 1 << 30), size_t(1) << 60);  // no wrap-around
}

INSTANTIATE_TEST_SUITE_P(Models, RecurrentModel, ::testing::Values("lstm", "rnn-tanh"),
                         [](const auto& info) { return info.param == "lstm" ? std::string("lstm") : std::string("rnn_tanh"); });

TEST(RnnTanhModel, EigenvalueTelemetryIsTheSpectrumOfWhh) {
  CpuBackend<double> be(1);
  ModelConfig c = small_config("rnn-tanh");
  auto m = make_model<double>(c, 7, be);
  Telemetry tel;
  m->forward_backward(random_batch(2, 3, 7, 111), true, &tel);
  auto p = host_params(*m);
  for (int k = 0; k < 2; ++k) {
    const auto& ev = tel.eigenvalues["W_hh.layer" + std::to_string(k)];
    ASSERT_EQ(ev.size(), 4u);
    const Vec& W = p["rnn.weight_hh_l" + std::to_string(k)];
    double trace = 0, tr_sq = 0;  // sum λ = tr W, sum λ² = tr W²
    for (int i = 0; i < 4; ++i) {
      trace += W[i * 4 + i];
      for (int j = 0; j < 4; ++j) tr_sq += W[i * 4 + j] * W[j * 4 + i];
    }
    std::complex<double> s = 0, s2 = 0;
    for (auto l : ev) s += l, s2 += l * l;
    EXPECT_NEAR(s.real(), trace, 1e-12);
    EXPECT_NEAR(s.imag(), 0, 1e-12);
    EXPECT_NEAR(s2.real(), tr_sq, 1e-12);
  }
}

TEST(LstmModel, HasNoEigenvalueTelemetry) {
  CpuBackend<double> be(1);
  auto m = make_model<double>(small_config("lstm"), 7, be);
  Telemetry tel;
  m->forward_backward(random_batch(2, 3, 7, 121), true, &tel);
  EXPECT_TRUE(tel.eigenvalues.empty());
}
