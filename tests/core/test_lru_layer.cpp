// The LRU layer: initialisation statistics (ring, γ, Glorot), the ablation switches, and gradient checks
// in double for every parameter (complex B and C included) and for the input u, through both scans.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/lru/lru_layer.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {

// Kolmogorov–Smirnov statistic of samples in [0, 1] against U(0, 1).
double ks_uniform(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  double n = double(x.size()), d = 0;
  for (size_t i = 0; i < x.size(); ++i) d = std::max({d, (i + 1) / n - x[i], x[i] - i / n});
  return d;
}
// Critical value at significance α = 0.001: sqrt(−ln(α/2)/2)/sqrt(n) (asymptotic, fine for n = 10^4).
double ks_critical(size_t n) { return std::sqrt(-0.5 * std::log(0.001 / 2)) / std::sqrt(double(n)); }

}  // namespace

TEST(LruInit, RingIsUniformInModulusSquaredAndPhase) {
  const int N = 20000;
  struct Ring { double r_min, r_max, max_phase; };
  for (Ring ring : {Ring{0.9, 0.999, 6.283185307179586}, Ring{0.4, 0.95, 3.14159265 / 10}, Ring{0.0, 1.0, 6.28}}) {
    Rng rng(2024);
    LruEigenInit e = lru_ring_init(N, ring.r_min, ring.r_max, ring.max_phase, rng);
    std::vector<double> a(N), p(N);
    for (int n = 0; n < N; ++n) {
      double r2 = std::exp(-2 * std::exp(e.nu_log[n]));
      a[n] = (r2 - ring.r_min * ring.r_min) / (ring.r_max * ring.r_max - ring.r_min * ring.r_min);
      p[n] = std::exp(e.theta_log[n]) / ring.max_phase;
      ASSERT_LT(r2, 1.0);
      // γ = sqrt(1 − |λ|²) at init.
      EXPECT_NEAR(std::exp(2 * e.gamma_log[n]) + r2, 1.0, 1e-12);
    }
    EXPECT_LT(ks_uniform(a), ks_critical(N)) << "|λ|² on ring " << ring.r_min << ".." << ring.r_max;
    EXPECT_LT(ks_uniform(p), ks_critical(N)) << "phase, max_phase " << ring.max_phase;
    if (ring.r_min == 0.0 && ring.r_max == 1.0) {
      // The test has power: |λ| itself (CDF x² on the unit disk) is far from uniform.
      std::vector<double> r(N);
      for (int n = 0; n < N; ++n) r[n] = std::exp(-std::exp(e.nu_log[n]));
      EXPECT_GT(ks_uniform(r), ks_critical(N));
    }
  }
}

TEST(LruInit, ExtremeUniformDrawsStayFinite) {
  for (double u1 : {0.0, 1.0})
    for (double u2 : {0.0, 1.0}) {
      double nl, tl;
      lru_ring_from_uniforms(u1, u2, 0.0, 1.0, 6.28, &nl, &tl);
      EXPECT_TRUE(std::isfinite(nl) && std::isfinite(tl)) << u1 << "," << u2;
      EXPECT_TRUE(std::isfinite(lru_gamma_log(std::exp(nl))));
      EXPECT_LT(std::exp(-std::exp(nl)), 1.0);
    }
  // Near |λ| = 1, γ comes from expm1: at ν = 1e-7 it is sqrt(2e-7) to 7 digits.
  EXPECT_NEAR(std::exp(lru_gamma_log(1e-7)), std::sqrt(2e-7), 1e-10);
}

TEST(LruInit, BadRingIsAClearError) {
  Rng rng(1);
  EXPECT_THROW(lru_ring_init(8, 0.9, 0.5, 6.28, rng), Error);
  EXPECT_THROW(lru_ring_init(8, 1.0, 1.0, 6.28, rng), Error);
  EXPECT_THROW(lru_ring_init(8, 0.1, 0.5, 0.0, rng), Error);
  EXPECT_THROW(lru_ring_init(0, 0.1, 0.5, 1.0, rng), Error);
}

TEST(LruInit, GlorotFillsTheDiskWithPositivePhases) {
  Rng rng(9);
  const int N = 400;
  LruEigenInit e = lru_glorot_init(N, rng);
  double mean_r2 = 0;
  for (int n = 0; n < N; ++n) {
    double r = std::exp(-std::exp(e.nu_log[n])), th = std::exp(e.theta_log[n]);
    ASSERT_TRUE(std::isfinite(e.nu_log[n]) && std::isfinite(e.theta_log[n]) && std::isfinite(e.gamma_log[n]));
    EXPECT_LE(r, kLruGlorotMaxRadius * (1 + 1e-12));
    EXPECT_GE(th, kLruMinPhase * (1 - 1e-12));
    EXPECT_LE(th, 3.14159266);
    mean_r2 += r * r / N;
  }
  // Circular law: eigenvalues uniform on the unit disk, E|λ|² = 1/2.
  EXPECT_NEAR(mean_r2, 0.5, 0.05);
}

namespace {

struct LayerRig {
  ModelConfig cfg;
  CpuBackend<double> be{2};
  ParamStore<double> ps;
  std::unique_ptr<LruLayer<double>> layer;
  explicit LayerRig(ModelConfig c, int H, uint64_t seed = 5) : cfg(std::move(c)) {
    layer = std::make_unique<LruLayer<double>>(cfg, H, ps, "lru.");
    ps.allocate(be);
    Rng rng(seed);
    layer->init(rng);
  }
  std::vector<double> values(const std::string& name) {
    int i = ps.index(name);
    auto all = ps.download_values();
    return std::vector<double>(all.begin() + ps.specs()[i].offset,
                               all.begin() + ps.specs()[i].offset + ps.specs()[i].numel);
  }
};

ModelConfig small_cfg() {
  ModelConfig c;
  c.state = 5;
  c.r_min = 0.5;
  c.r_max = 0.99;
  c.max_phase = 3.0;
  return c;
}

// ℓ = Σ G ⊙ y(u; θ); analytic gradients of every tensor and of u against central differences.
void gradcheck_layer(const ModelConfig& cfg, LruScanMethod method, int chunk) {
  const int H = 4, B = 2, T = 9;
  LayerRig rig(cfg, H);
  const size_t M = size_t(B) * T;
  std::vector<double> dre(M * cfg.state), dim(M * cfg.state);
  udlab::testing::expect_layer_gradcheck(
      rig.ps, M, H, [&](const double* u, double* y) { rig.layer->forward(rig.be, u, y, B, T, method, chunk); },
      [&](const double* u, const double* G, double* du) {
        rig.layer->backward(rig.be, u, G, du, dre.data(), dim.data(), method, chunk);
      });
}

}  // namespace

TEST(LruLayer, GradientsMatchFiniteDifferencesLoop) { gradcheck_layer(small_cfg(), LruScanMethod::kLoop, 256); }
TEST(LruLayer, GradientsMatchFiniteDifferencesChunked) {
  gradcheck_layer(small_cfg(), LruScanMethod::kChunked, 4);
}
TEST(LruLayer, GradientsMatchFiniteDifferencesWithoutGamma) {
  ModelConfig c = small_cfg();
  c.lru_gamma = false;
  gradcheck_layer(c, LruScanMethod::kChunked, 4);
}
TEST(LruLayer, GradientsMatchFiniteDifferencesGlorot) {
  ModelConfig c = small_cfg();
  c.lru_init = "glorot";
  gradcheck_layer(c, LruScanMethod::kLoop, 256);
}

TEST(LruLayer, TensorNamesShapesAndOptimiserSettings) {
  ModelConfig c = small_cfg();
  c.lru_lr_factor = 0.25;
  LayerRig rig(c, 4);
  struct Want { const char* name; std::vector<int64_t> shape; bool decay; double lr; };
  std::vector<Want> want = {{"lru.nu_log", {5}, false, 0.25},   {"lru.theta_log", {5}, false, 0.25},
                            {"lru.gamma_log", {5}, false, 0.25}, {"lru.B_re", {5, 4}, false, 0.25},
                            {"lru.B_im", {5, 4}, false, 0.25},   {"lru.C_re", {4, 5}, true, 1.0},
                            {"lru.C_im", {4, 5}, true, 1.0},     {"lru.D", {4}, false, 1.0}};
  ASSERT_EQ(rig.ps.specs().size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& s = rig.ps.specs()[i];
    EXPECT_EQ(s.name, want[i].name);
    EXPECT_EQ(s.shape, want[i].shape) << s.name;
    EXPECT_EQ(s.decay, want[i].decay) << s.name;
    EXPECT_EQ(s.lr_mult, want[i].lr) << s.name;
  }
}

TEST(LruLayer, GammaOffRemovesGammaAndChangesNothingElse) {
  ModelConfig on = small_cfg(), off = small_cfg();
  off.lru_gamma = false;
  const int H = 4;
  LayerRig a(on, H), b(off, H);
  EXPECT_GE(a.ps.index("lru.gamma_log"), 0);
  EXPECT_EQ(b.ps.index("lru.gamma_log"), -1);
  for (const char* n : {"lru.nu_log", "lru.theta_log", "lru.B_re", "lru.B_im", "lru.C_re", "lru.C_im", "lru.D"})
    EXPECT_EQ(a.values(n), b.values(n)) << n;
  // With γ_log = 0 in the γ model both compute the same y, so "off" means exactly γ = 1.
  auto th = a.ps.download_values();
  const auto& gs = a.ps.specs()[a.ps.index("lru.gamma_log")];
  std::fill(th.begin() + gs.offset, th.begin() + gs.offset + gs.numel, 0.0);
  a.ps.upload_values(th);
  const int B = 2, T = 6;
  Rng rng(3);
  std::vector<double> u(size_t(B) * T * H), ya(u.size()), yb(u.size());
  for (auto& x : u) x = rng.normal();
  a.layer->forward(a.be, u.data(), ya.data(), B, T, LruScanMethod::kLoop);
  b.layer->forward(b.be, u.data(), yb.data(), B, T, LruScanMethod::kLoop);
  for (size_t i = 0; i < u.size(); ++i) EXPECT_NEAR(ya[i], yb[i], 1e-14);
}

TEST(LruLayer, GlorotInitChangesOnlyTheEigenvalues) {
  ModelConfig ring = small_cfg(), glorot = small_cfg();
  glorot.lru_init = "glorot";
  LayerRig a(ring, 4), b(glorot, 4);
  for (const char* n : {"lru.B_re", "lru.B_im", "lru.C_re", "lru.C_im", "lru.D"})
    EXPECT_EQ(a.values(n), b.values(n)) << n;
  for (const char* n : {"lru.nu_log", "lru.theta_log", "lru.gamma_log"}) EXPECT_NE(a.values(n), b.values(n)) << n;
  // γ still normalises the Glorot λ.
  auto nu = b.values("lru.nu_log"), ga = b.values("lru.gamma_log");
  for (size_t i = 0; i < nu.size(); ++i) EXPECT_NEAR(std::exp(2 * ga[i]) + std::exp(-2 * std::exp(nu[i])), 1, 1e-12);
}

TEST(LruLayer, BcdInitialisationVariances) {
  ModelConfig c;
  c.state = 256;
  const int H = 128;
  LayerRig rig(c, H);
  auto var = [](const std::vector<double>& v) {
    double m = 0, s = 0;
    for (double x : v) m += x / v.size();
    for (double x : v) s += (x - m) * (x - m) / v.size();
    return s;
  };
  // 32768 draws: the sample variance is within ~1.6% (2σ) of the target.
  EXPECT_NEAR(var(rig.values("lru.B_re")) * 2 * H, 1.0, 0.03);
  EXPECT_NEAR(var(rig.values("lru.B_im")) * 2 * H, 1.0, 0.03);
  EXPECT_NEAR(var(rig.values("lru.C_re")) * c.state, 1.0, 0.03);
  EXPECT_NEAR(var(rig.values("lru.C_im")) * c.state, 1.0, 0.03);
}
