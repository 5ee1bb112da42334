// Dense CPU ops against naive double-precision references.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/util/rng.h"
#include "support/random.h"

using namespace udlab;

using udlab::testing::randn;

TEST(DenseOps, GemmAllTransposesMatchNaive) {
  CpuBackend<double> be(2);
  Rng rng(3);
  const int M = 7, N = 5, K = 9;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      auto A = randn(size_t(M) * K, rng), B = randn(size_t(K) * N, rng), C = randn(size_t(M) * N, rng);
      auto ref = C;
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
          double s = 0;
          for (int k = 0; k < K; ++k) {
            double a = ta ? A[size_t(k) * M + i] : A[size_t(i) * K + k];
            double b = tb ? B[size_t(j) * K + k] : B[size_t(k) * N + j];
            s += a * b;
          }
          ref[size_t(i) * N + j] = 0.5 * ref[size_t(i) * N + j] + 2.0 * s;
        }
      be.dense().gemm(ta, tb, M, N, K, 2.0, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.5, C.data(), N);
      for (size_t i = 0; i < C.size(); ++i) EXPECT_NEAR(C[i], ref[i], 1e-12) << "ta=" << ta << " tb=" << tb;
    }
}

TEST(DenseOps, SoftmaxXentGradientIsSoftmaxMinusOnehot) {
  CpuBackend<double> be(1);
  Rng rng(5);
  const int M = 4, V = 6;
  auto z = randn(size_t(M) * V, rng);
  std::vector<int32_t> y = {0, 3, 5, 2};
  std::vector<double> d(z.size());
  auto r = be.dense().softmax_xent(z.data(), y.data(), nullptr, d.data(), M, V, 1.0 / M);
  double loss = 0;
  for (int m = 0; m < M; ++m) {
    double s = 0;
    for (int v = 0; v < V; ++v) s += std::exp(z[m * V + v]);
    loss += std::log(s) - z[m * V + y[m]];
    for (int v = 0; v < V; ++v) {
      double g = (std::exp(z[m * V + v]) / s - (v == y[m])) / M;
      EXPECT_NEAR(d[m * V + v], g, 1e-14);
    }
  }
  EXPECT_NEAR(r.loss_sum, loss, 1e-12);
  EXPECT_EQ(r.weight_sum, M);
}

TEST(DenseOps, SumsqIsIndependentOfThreadCount) {
  Rng rng(7);
  std::vector<float> x(100003);
  for (auto& v : x) v = float(rng.normal());
  CpuBackend<float> one(1), two(2);
  EXPECT_EQ(one.dense().sumsq(x.data(), x.size()), two.dense().sumsq(x.data(), x.size()));
  x[500] = NAN;
  EXPECT_TRUE(two.dense().has_nonfinite(x.data(), x.size()));
}

// Large GEMMs are split into per-thread blocks of rows or columns of C; every transpose combination,
// both split directions, uneven sizes and padded leading dimensions must equal the one-thread result.
TEST(DenseOps, GemmThreadSplitMatchesOneThread) {
  CpuBackend<double> one(1), two(2);
  Rng rng(9);
  struct Case { int M, N, K; };
  for (Case s : {Case{301, 77, 131}, Case{45, 517, 99}, Case{130, 129, 257}}) {
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        const int pad = 3;
        const int lda = (ta ? s.M : s.K) + pad, ldb = (tb ? s.K : s.N) + pad, ldc = s.N + pad;
        auto A = randn(size_t(ta ? s.K : s.M) * lda, rng), B = randn(size_t(tb ? s.N : s.K) * ldb, rng);
        auto C1 = randn(size_t(s.M) * ldc, rng), C2 = C1;
        one.dense().gemm(ta, tb, s.M, s.N, s.K, 1.5, A.data(), lda, B.data(), ldb, 0.5, C1.data(), ldc);
        two.dense().gemm(ta, tb, s.M, s.N, s.K, 1.5, A.data(), lda, B.data(), ldb, 0.5, C2.data(), ldc);
        for (size_t i = 0; i < C1.size(); ++i)
          ASSERT_NEAR(C2[i], C1[i], 1e-12 * (1 + std::abs(C1[i]))) << s.M << "x" << s.N << "x" << s.K << " ta=" << ta
                                                                   << " tb=" << tb << " i=" << i;
      }
  }
}
