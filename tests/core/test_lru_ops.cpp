// LRU op family: the chunked scan against the sequential loop (forward and reverse, float and double),
// and the closed-form λ/γ/skip gradients against central differences through the loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/util/rng.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {

// ν_log, θ_log for a chosen set of radii; the list covers 0.9999 (slow), tiny radii and random ones.
void eig_params(int N, Rng& rng, std::vector<double>& nu_log, std::vector<double>& theta_log) {
  nu_log.resize(N);
  theta_log.resize(N);
  const double fixed_r[] = {0.9999, 1e-6, 0.5, 0.999};
  for (int n = 0; n < N; ++n) {
    double r = n < 4 ? fixed_r[n] : 0.3 + 0.69 * rng.uniform();
    nu_log[n] = std::log(-std::log(r));
    theta_log[n] = std::log(0.01 + 6.0 * rng.uniform());
  }
}

// Worst per-channel error of `got` against `ref`, relative to that channel's largest |ref| over time.
template <class S>
double worst_rel(const std::vector<S>& got, const std::vector<S>& ref, int B, int T, int N) {
  double worst = 0;
  for (int b = 0; b < B; ++b)
    for (int n = 0; n < N; ++n) {
      double mx = 0, err = 0;
      for (int t = 0; t < T; ++t) {
        size_t k = (size_t(b) * T + t) * N + n;
        mx = std::max(mx, std::abs(double(ref[k])));
        err = std::max(err, std::abs(double(got[k]) - double(ref[k])));
      }
      if (mx > 0) worst = std::max(worst, err / mx);
    }
  return worst;
}

template <class S>
void check_scan_matches_loop(double tol) {
  CpuBackend<S> be(2);
  auto& ops = be.lru();
  Rng rng(11);
  const int B = 2, N = 6;
  std::vector<double> nl, tl;
  eig_params(N, rng, nl, tl);
  std::vector<S> nu(nl.begin(), nl.end()), th(tl.begin(), tl.end()), lr(N), li(N);
  ops.lambda(nu.data(), th.data(), lr.data(), li.data(), N);
  for (int chunk : {7, 256}) {
    for (int T : {1, chunk, chunk + 1, 4096, 16384}) {
      size_t n = size_t(B) * T * N;
      std::vector<S> in_re(n), in_im(n);
      for (size_t i = 0; i < n; ++i) {
        in_re[i] = S(rng.normal());
        in_im[i] = S(rng.normal());
      }
      for (bool reverse : {false, true}) {
        std::vector<S> lre(n), lim(n), cre(n), cim(n);
        ops.scan(lr.data(), li.data(), in_re.data(), in_im.data(), lre.data(), lim.data(), B, T, N, reverse,
                 LruScanMethod::kLoop);
        ops.scan(lr.data(), li.data(), in_re.data(), in_im.data(), cre.data(), cim.data(), B, T, N, reverse,
                 LruScanMethod::kChunked, chunk);
        EXPECT_LE(worst_rel(cre, lre, B, T, N), tol) << "re T=" << T << " chunk=" << chunk << " rev=" << reverse;
        EXPECT_LE(worst_rel(cim, lim, B, T, N), tol) << "im T=" << T << " chunk=" << chunk << " rev=" << reverse;
        // In place (x aliases the input) must give the same numbers.
        std::vector<S> pre = in_re, pim = in_im;
        ops.scan(lr.data(), li.data(), pre.data(), pim.data(), pre.data(), pim.data(), B, T, N, reverse,
                 LruScanMethod::kChunked, chunk);
        EXPECT_EQ(pre, cre) << "in place T=" << T;
      }
    }
  }
}

}  // namespace

TEST(LruOps, ChunkedScanEqualsLoopDouble) { check_scan_matches_loop<double>(1e-12); }
TEST(LruOps, ChunkedScanEqualsLoopFloat) { check_scan_matches_loop<float>(1e-5); }

TEST(LruOps, LoopMatchesNaiveComplexRecurrence) {
  CpuBackend<double> be(1);
  Rng rng(3);
  const int B = 2, T = 9, N = 3;
  std::vector<double> nl, tl, lr(N), li(N);
  eig_params(N, rng, nl, tl);
  be.lru().lambda(nl.data(), tl.data(), lr.data(), li.data(), N);
  size_t n = size_t(B) * T * N;
  std::vector<double> ir(n), ii(n), xr(n), xi(n);
  for (size_t i = 0; i < n; ++i) ir[i] = rng.normal(), ii[i] = rng.normal();
  for (bool reverse : {false, true}) {
    be.lru().scan(lr.data(), li.data(), ir.data(), ii.data(), xr.data(), xi.data(), B, T, N, reverse,
                  LruScanMethod::kLoop);
    for (int b = 0; b < B; ++b)
      for (int c = 0; c < N; ++c) {
        std::complex<double> lam = std::exp(std::complex<double>(-std::exp(nl[c]), std::exp(tl[c])));
        if (reverse) lam = std::conj(lam);
        std::complex<double> x = 0;
        for (int s = 0; s < T; ++s) {
          int t = reverse ? T - 1 - s : s;
          size_t k = (size_t(b) * T + t) * N + c;
          x = lam * x + std::complex<double>(ir[k], ii[k]);
          EXPECT_NEAR(xr[k], x.real(), 1e-12);
          EXPECT_NEAR(xi[k], x.imag(), 1e-12);
        }
      }
  }
}

TEST(LruOps, ChunkedScanIsIndependentOfThreadCount) {
  const int B = 3, T = 1000, N = 16;
  Rng rng(5);
  std::vector<float> lr(N), li(N), ir(size_t(B) * T * N), ii(ir.size());
  for (int n = 0; n < N; ++n) {
    double r = 0.9 + 0.0999 * rng.uniform(), th = 6.28 * rng.uniform();
    lr[n] = float(r * std::cos(th));
    li[n] = float(r * std::sin(th));
  }
  for (size_t i = 0; i < ir.size(); ++i) ir[i] = float(rng.normal()), ii[i] = float(rng.normal());
  std::vector<float> a(ir.size()), ai(ir.size()), b(ir.size()), bi(ir.size());
  CpuBackend<float> one(1), two(2);
  one.lru().scan(lr.data(), li.data(), ir.data(), ii.data(), a.data(), ai.data(), B, T, N, false,
                 LruScanMethod::kChunked, 64);
  two.lru().scan(lr.data(), li.data(), ir.data(), ii.data(), b.data(), bi.data(), B, T, N, false,
                 LruScanMethod::kChunked, 64);
  EXPECT_EQ(a, b);
  EXPECT_EQ(ai, bi);
}

TEST(LruOps, UnitAndZeroModulusStayFinite) {
  CpuBackend<float> be(2);
  const int B = 1, T = 3000, N = 2;
  // ν_log = −40 makes |λ| round to exactly 1 in float; ν_log = 5 makes λ underflow to 0.
  std::vector<float> nu = {-40.f, 5.f}, th = {0.3f, 1.0f}, lr(N), li(N);
  be.lru().lambda(nu.data(), th.data(), lr.data(), li.data(), N);
  EXPECT_EQ(lr[1], 0.f);
  EXPECT_EQ(li[1], 0.f);
  std::vector<float> ir(size_t(T) * N, 1.f), ii(ir.size(), 0.f), xr(ir.size()), xi(ir.size());
  for (bool rev : {false, true}) {
    be.lru().scan(lr.data(), li.data(), ir.data(), ii.data(), xr.data(), xi.data(), B, T, N, rev,
                  LruScanMethod::kChunked, 256);
    for (size_t i = 0; i < xr.size(); ++i) ASSERT_TRUE(std::isfinite(xr[i]) && std::isfinite(xi[i])) << i;
    // λ = 0: the state is just the input.
    EXPECT_EQ(xr[1], 1.f);
    EXPECT_EQ(xr[size_t(T - 1) * N + 1], 1.f);
  }
}

// The loss ℓ = Σ <G, x> with x from the loop; checks lambda_grad (through ν_log, θ_log), gamma_grad and
// the skip op against central differences.
TEST(LruOps, LambdaGammaAndSkipGradientsMatchFiniteDifferences) {
  CpuBackend<double> be(2);
  auto& ops = be.lru();
  Rng rng(7);
  const int B = 2, T = 6, N = 4, H = 3;
  std::vector<double> nl, tl;
  eig_params(N, rng, nl, tl);
  nl[1] = std::log(-std::log(0.7));  // keep every channel's gradient well above FD noise
  std::vector<double> gl(N), v_re(size_t(B) * T * N), v_im(v_re.size()), G_re(v_re.size()), G_im(v_re.size());
  for (auto& g : gl) g = -0.5 * rng.uniform();
  for (size_t i = 0; i < v_re.size(); ++i)
    v_re[i] = rng.normal(), v_im[i] = rng.normal(), G_re[i] = rng.normal(), G_im[i] = rng.normal();
  const size_t n = v_re.size();
  // Forward: b = γ v, x = scan(λ, b), ℓ = Σ G_re x_re + G_im x_im.
  auto loss = [&](const std::vector<double>& nu, const std::vector<double>& th, const std::vector<double>& ga) {
    std::vector<double> lr(N), li(N), br = v_re, bi = v_im, xr(n), xi(n);
    ops.lambda(nu.data(), th.data(), lr.data(), li.data(), N);
    ops.gamma_scale(ga.data(), br.data(), bi.data(), B * T, N);
    ops.scan(lr.data(), li.data(), br.data(), bi.data(), xr.data(), xi.data(), B, T, N, false,
             LruScanMethod::kLoop);
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += G_re[i] * xr[i] + G_im[i] * xi[i];
    return s;
  };
  std::vector<double> lr(N), li(N), br = v_re, bi = v_im, xr(n), xi(n), dr(n), di(n);
  ops.lambda(nl.data(), tl.data(), lr.data(), li.data(), N);
  ops.gamma_scale(gl.data(), br.data(), bi.data(), B * T, N);
  ops.scan(lr.data(), li.data(), br.data(), bi.data(), xr.data(), xi.data(), B, T, N, false, LruScanMethod::kLoop);
  ops.scan(lr.data(), li.data(), G_re.data(), G_im.data(), dr.data(), di.data(), B, T, N, true,
           LruScanMethod::kLoop);
  std::vector<double> dnu(N, 0.0), dth(N, 0.0), dga(N, 0.0);
  ops.lambda_grad(nl.data(), tl.data(), lr.data(), li.data(), xr.data(), xi.data(), dr.data(), di.data(), B, T, N,
                  dnu.data(), dth.data());
  ops.gamma_grad(br.data(), bi.data(), dr.data(), di.data(), B * T, N, dga.data());
  udlab::testing::expect_gradient_matches([&](const std::vector<double>& p) { return loss(p, tl, gl); }, nl, dnu,
                                   "nu_log", 1e-7);
  udlab::testing::expect_gradient_matches([&](const std::vector<double>& p) { return loss(nl, p, gl); }, tl, dth,
                                   "theta_log", 1e-7);
  udlab::testing::expect_gradient_matches([&](const std::vector<double>& p) { return loss(nl, tl, p); }, gl, dga,
                                   "gamma_log", 1e-7);

  // Skip: ℓ = Σ G ⊙ (D ⊙ u).
  const int M = 5;
  std::vector<double> D(H), u(size_t(M) * H), g(u.size());
  for (auto& x : D) x = rng.normal();
  for (size_t i = 0; i < u.size(); ++i) u[i] = rng.normal(), g[i] = rng.normal();
  auto skip_loss = [&](const std::vector<double>& Dp, const std::vector<double>& up) {
    std::vector<double> y(up.size(), 0.0);
    ops.skip_fwd(Dp.data(), up.data(), y.data(), M, H);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += g[i] * y[i];
    return s;
  };
  std::vector<double> du(u.size(), 99.0), dD(H, 0.0);
  ops.skip_bwd(D.data(), u.data(), g.data(), du.data(), dD.data(), M, H);
  udlab::testing::expect_gradient_matches([&](const std::vector<double>& p) { return skip_loss(p, u); }, D, dD, "D");
  udlab::testing::expect_gradient_matches([&](const std::vector<double>& p) { return skip_loss(D, p); }, u, du, "u");
}

TEST(LruOps, RowNormsMatchDirectSum) {
  CpuBackend<float> be(1);
  std::vector<float> re = {3, 0, 1, 1}, im = {0, 4, 1, 1}, out(2);
  be.lru().row_norms(re.data(), im.data(), 2, 2, out.data());
  EXPECT_FLOAT_EQ(out[0], 5.f);
  EXPECT_FLOAT_EQ(out[1], 2.f);
}
