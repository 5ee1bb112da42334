// Issue 15: every size path of the group kernels against independent references, n = 1..128 and the
// realified complex groups: core/groups/small_mm against naive products (all transposes, accumulate,
// strided blocks), and the batched float exp / exp adjoint against Eigen's Padé exp (MatrixFunctions)
// and the double reference.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <unsupported/Eigen/MatrixFunctions>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/groups/group.h"
#include "core/groups/small_mm.h"
#include "core/util/rng.h"
#include "support/random.h"

using namespace udlab;

using udlab::testing::randn;

TEST(SmallMm, EveryShapeAndTransposeMatchesNaiveProducts) {
  Rng r(3);
  for (int n = 1; n <= 128; n += (n < 40 ? 1 : 7)) {
    // A block of an ld-strided matrix (ld > n), as the block groups use it.
    const int ld = n + 3;
    auto A = randn<float>(size_t(n) * ld, r), B = randn<float>(size_t(n) * ld, r), C0 = randn<float>(size_t(n) * ld, r);
    for (int v = 0; v < 8; ++v) {
      const bool ta = v & 1, tb = v & 2, acc = v & 4;
      auto C = C0;
      smm::gemm<float>(n, n, n, ta, tb, A.data(), ld, B.data(), ld, acc, C.data(), ld);
      double worst = 0;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          double s = acc ? C0[size_t(i) * ld + j] : 0;
          for (int k = 0; k < n; ++k)
            s += double(ta ? A[size_t(k) * ld + i] : A[size_t(i) * ld + k]) * (tb ? B[size_t(j) * ld + k] : B[size_t(k) * ld + j]);
          worst = std::max(worst, std::abs(C[size_t(i) * ld + j] - s));
        }
      EXPECT_LT(worst, 2e-6 * (n + 4)) << "n " << n << " ta " << ta << " tb " << tb << " acc " << acc;
      // Only the n×n block was written.
      for (int i = 0; i < n; ++i)
        for (int j = n; j < ld; ++j) ASSERT_EQ(C[size_t(i) * ld + j], C0[size_t(i) * ld + j]);
    }
  }
}

TEST(SmallMm, RectangularShapes) {
  Rng r(4);
  for (auto [M, N, K] : {std::tuple{3, 70, 5}, {65, 2, 17}, {128, 96, 1}, {1, 1, 128}}) {
    auto A = randn<double>(size_t(M) * K, r), B = randn<double>(size_t(K) * N, r);
    std::vector<double> C(size_t(M) * N);
    smm::gemm<double>(M, N, K, false, false, A.data(), K, B.data(), N, false, C.data(), N);
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double s = 0;
        for (int k = 0; k < K; ++k) s += A[size_t(i) * K + k] * B[size_t(k) * N + j];
        ASSERT_NEAR(C[size_t(i) * N + j], s, 1e-12);
      }
  }
}

// Batched float exp against Eigen's Padé exp in double, and the float adjoint against the double
// reference, for every real n = 1..128 (O(n)) and the complex groups at n = 2d up to 128.
TEST(GroupKernels, ExpAndAdjointAtEverySizeMatchTheReferences) {
  CpuBackend<float> be(2);
  Rng r(5);
  std::vector<std::pair<std::string, int>> cases;
  for (int d = 1; d <= 128; d += (d < 40 ? 1 : 5)) cases.push_back({"o", d});
  for (int d : {1, 2, 3, 5, 8, 12, 16, 24, 32, 48, 64}) cases.push_back({"u", d});
  for (int d : {2, 7, 24, 64}) cases.push_back({"su", d});
  for (int d : {2, 6, 16, 32}) cases.push_back({"sp", d});
  for (int d : {40, 128}) cases.push_back({"blockdiag:8", d});
  for (auto& [name, d] : cases) {
    Group g = make_group(name, d);
    const int n = g.n(), count = 2;
    const size_t nn = size_t(n) * n;
    // Generators of the size the models see, and one that needs squarings (‖X‖₁ ≈ 3–10).
    auto X = randn<float>(count * nn, r, 0.5 / std::sqrt(double(n))), G = randn<float>(count * nn, r);
    for (size_t i = nn; i < 2 * nn; ++i) X[i] *= 6;
    be.group().project(g.spec(), X.data(), X.data(), count);
    std::vector<float> E(count * nn), Xb(count * nn), E2(count * nn);
    be.group().exp(g.spec(), X.data(), E.data(), count);
    be.group().exp_adjoint(g.spec(), X.data(), G.data(), Xb.data(), E2.data(), count);
    for (int k = 0; k < count; ++k) {
      Eigen::MatrixXd Xd(n, n);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) Xd(i, j) = X[k * nn + size_t(i) * n + j];
      Eigen::MatrixXd Ed = Xd.exp();
      std::vector<double> Xv(X.begin() + k * nn, X.begin() + (k + 1) * nn), Gv(G.begin() + k * nn, G.begin() + (k + 1) * nn);
      std::vector<double> Xbd(nn);
      g.exp_adjoint(Xv.data(), Gv.data(), Xbd.data());
      double ee = 0, e2 = 0, eb = 0, sb = 0;
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          const size_t o = k * nn + size_t(i) * n + j;
          ee = std::max(ee, std::abs(E[o] - Ed(i, j)));
          e2 = std::max(e2, std::abs(E2[o] - Ed(i, j)));
          eb = std::max(eb, std::abs(Xb[o] - Xbd[size_t(i) * n + j]));
          sb = std::max(sb, std::abs(Xbd[size_t(i) * n + j]));
        }
      // float32 round-off grows with n (inner products of length n) and with the squarings.
      const double tol = 1e-6 * std::sqrt(double(n)) * (k == 0 ? 2 : 20);
      EXPECT_LT(ee, tol) << name << " d " << d << " exp (k " << k << ")";
      EXPECT_LT(e2, tol) << name << " d " << d << " exp by-product of the adjoint (k " << k << ")";
      EXPECT_LT(eb, tol * std::max(1.0, sb)) << name << " d " << d << " adjoint (k " << k << ")";
    }
  }
}
