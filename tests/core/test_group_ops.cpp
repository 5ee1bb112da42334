// The batched CPU GroupOps against the single-matrix reference (core/groups) and naive products,
// (every size now shares one small_mm path; test_small_mm covers n = 1..128).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/groups/group.h"
#include "core/util/rng.h"
#include "support/random.h"

using namespace udlab;

using udlab::testing::randn;

TEST(GroupOps, BatchedExpAndAdjointMatchTheDoubleReference) {
  CpuBackend<float> be(2);
  Rng r(1);
  for (auto [name, d] : {std::pair{"o", 16}, {"u", 8}, {"o", 8}, {"su", 4}, {"torus", 8}, {"blockdiag:4", 16}, {"sp", 6}, {"so", 5}}) {
    Group g = make_group(name, d);
    const int n = g.n(), count = 9;
    const size_t nn = size_t(n) * n;
    auto X = randn<float>(count * nn, r, 0.3), G = randn<float>(count * nn, r);
    be.group().project(g.spec(), X.data(), X.data(), count);
    std::vector<float> E(count * nn), Xb(count * nn), E2(count * nn);
    be.group().exp(g.spec(), X.data(), E.data(), count);
    be.group().exp_adjoint(g.spec(), X.data(), G.data(), Xb.data(), E2.data(), count);
    for (int k = 0; k < count; ++k) {
      std::vector<double> Xd(X.begin() + k * nn, X.begin() + (k + 1) * nn), Gd(G.begin() + k * nn, G.begin() + (k + 1) * nn);
      std::vector<double> Ed(nn), Xbd(nn);
      g.exp(Xd.data(), Ed.data());
      g.exp_adjoint(Xd.data(), Gd.data(), Xbd.data());
      double ee = 0, eb = 0, e2 = 0, sb = 0;
      for (size_t i = 0; i < nn; ++i) {
        ee = std::max(ee, std::abs(E[k * nn + i] - Ed[i]));
        e2 = std::max(e2, std::abs(E2[k * nn + i] - Ed[i]));
        eb = std::max(eb, std::abs(Xb[k * nn + i] - Xbd[i]));
        sb = std::max(sb, std::abs(Xbd[i]));
      }
      EXPECT_LT(ee, 2e-6) << name << " exp";
      EXPECT_LT(e2, 2e-6) << name << " exp by-product of the adjoint";
      EXPECT_LT(eb, 2e-6 * std::max(1.0, sb)) << name << " adjoint";
    }
  }
}

TEST(GroupOps, MatmulVariantsMatchNaiveProducts) {
  CpuBackend<double> be(2);
  Rng r(2);
  for (int n : {3, 8, 16, 40}) {
    const int count = 5;
    const size_t nn = size_t(n) * n;
    auto A = randn<double>(count * nn, r), B = randn<double>(count * nn, r), C0 = randn<double>(count * nn, r);
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (int shared = 0; shared < 2; ++shared) {
          auto C = C0;
          be.group().matmul(n, count, ta, tb, 2.0, A.data(), shared ? 0 : nn, B.data(), nn, 0.5, C.data());
          for (int k = 0; k < count; ++k) {
            const double* a = A.data() + (shared ? 0 : k * nn);
            const double* b = B.data() + k * nn;
            for (int i = 0; i < n; ++i)
              for (int j = 0; j < n; ++j) {
                double s = 0;
                for (int l = 0; l < n; ++l) s += (ta ? a[l * n + i] : a[i * n + l]) * (tb ? b[j * n + l] : b[l * n + j]);
                EXPECT_NEAR(C[k * nn + i * n + j], 0.5 * C0[k * nn + i * n + j] + 2 * s, 1e-12);
              }
          }
        }
    // matmul_sum over two chunks of 64 (one product per chunk for n ≤ 32), every transpose.
    const int many = 70;
    auto P = randn<double>(many * nn, r), Q = randn<double>(many * nn, r);
    for (int v = 0; v < 4; ++v) {
      const bool ta = v & 1, tb = v & 2;
      std::vector<double> S(nn, 1.0);
      be.group().matmul_sum(n, n, many, ta, tb, P.data(), Q.data(), S.data());
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          double s = 1;
          for (int k = 0; k < many; ++k)
            for (int l = 0; l < n; ++l)
              s += (ta ? P[k * nn + l * n + i] : P[k * nn + i * n + l]) * (tb ? Q[k * nn + j * n + l] : Q[k * nn + l * n + j]);
          EXPECT_NEAR(S[i * n + j], s, 1e-11) << "n " << n << " ta " << ta << " tb " << tb;
        }
    }
  }
}

TEST(GroupOps, ReorthogonaliseCorrectsOnlyStatesAboveThreshold) {
  CpuBackend<float> be(1);
  Group g = make_group("o", 8);
  const size_t nn = 64;
  std::vector<float> H(3 * nn, 0.0f);
  for (int k = 0; k < 3; ++k)
    for (int i = 0; i < 8; ++i) H[k * nn + i * 9] = 1.0f;
  H[nn + 1] = 1e-3f;  // second state off the group
  double mx = 0;
  int fixed = be.group().reorthogonalise(g.spec(), H.data(), 3, 1e-4, &mx);
  EXPECT_EQ(fixed, 1);
  EXPECT_NEAR(mx, std::sqrt(2.0) * 1e-3, 1e-5);  // entries (0,1), (1,0) of HᵀH − I
  std::vector<double> err(3);
  be.group().membership_error(g.spec(), H.data(), 3, err.data());
  for (double e : err) EXPECT_LT(e, 1e-6);
}
