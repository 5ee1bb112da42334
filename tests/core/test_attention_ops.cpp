// Causal attention op: forward against a naive double reference, backward against finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "support/gradcheck.h"
#include "support/random.h"

using namespace udlab;

using udlab::testing::randn;

namespace {

// Shapes for one test: q, k, v as slices of a fused [B*T, 3*H*D] buffer, out with a padded stride so
// that both stride arguments are exercised.
struct Shape {
  int B = 2, T = 5, H = 3, D = 4;
  int C() const { return H * D; }
  int ld_qkv() const { return 3 * C(); }
  int ld_out() const { return C() + 2; }
  size_t qkv_size() const { return size_t(B) * T * ld_qkv(); }
  size_t out_size() const { return size_t(B) * T * ld_out(); }
};

std::vector<double> naive_attention(const Shape& s, const std::vector<double>& qkv, double scale) {
  std::vector<double> out(s.out_size(), 0.0);
  auto at = [&](int which, int b, int t, int h, int e) {
    return qkv[size_t(b * s.T + t) * s.ld_qkv() + size_t(which) * s.C() + size_t(h) * s.D + e];
  };
  for (int b = 0; b < s.B; ++b)
    for (int h = 0; h < s.H; ++h)
      for (int i = 0; i < s.T; ++i) {
        std::vector<double> w(i + 1);
        double mx = -1e300, sum = 0;
        for (int j = 0; j <= i; ++j) {
          double d = 0;
          for (int e = 0; e < s.D; ++e) d += at(0, b, i, h, e) * at(1, b, j, h, e);
          w[j] = scale * d;
          mx = std::max(mx, w[j]);
        }
        for (auto& x : w) sum += (x = std::exp(x - mx));
        for (int e = 0; e < s.D; ++e) {
          double o = 0;
          for (int j = 0; j <= i; ++j) o += w[j] / sum * at(2, b, j, h, e);
          out[size_t(b * s.T + i) * s.ld_out() + size_t(h) * s.D + e] = o;
        }
      }
  return out;
}

}  // namespace

TEST(AttentionOps, ForwardMatchesNaiveAndIsCausal) {
  CpuBackend<double> be(2);
  Shape s;
  Rng rng(11);
  auto qkv = randn(s.qkv_size(), rng);
  const double scale = 1.0 / std::sqrt(double(s.D));
  std::vector<double> att(size_t(s.B) * s.H * s.T * s.T, -7.0), out(s.out_size(), 0.0);
  const double* p = qkv.data();
  be.attention().causal_attention_fwd(p, p + s.C(), p + 2 * s.C(), s.ld_qkv(), att.data(), out.data(),
                                      s.ld_out(), s.B, s.T, s.H, s.D, scale);
  auto ref = naive_attention(s, qkv, scale);
  for (int r = 0; r < s.B * s.T; ++r)
    for (int c = 0; c < s.C(); ++c)
      EXPECT_NEAR(out[size_t(r) * s.ld_out() + c], ref[size_t(r) * s.ld_out() + c], 1e-13);
  // Rows of att are distributions over the past only.
  for (int bh = 0; bh < s.B * s.H; ++bh)
    for (int i = 0; i < s.T; ++i) {
      double sum = 0;
      for (int j = 0; j < s.T; ++j) {
        double a = att[(size_t(bh) * s.T + i) * s.T + j];
        if (j > i) EXPECT_EQ(a, 0.0);
        sum += a;
      }
      EXPECT_NEAR(sum, 1.0, 1e-14);
    }
  // Changing a future key or value must not change an earlier output.
  auto qkv2 = qkv;
  qkv2[size_t(0 * s.T + 4) * s.ld_qkv() + s.C() + 1] += 3.0;      // k at t = 4, batch 0
  qkv2[size_t(0 * s.T + 4) * s.ld_qkv() + 2 * s.C() + 2] -= 2.0;  // v at t = 4, batch 0
  auto ref2 = naive_attention(s, qkv2, scale);
  std::vector<double> out2(s.out_size(), 0.0);
  const double* p2 = qkv2.data();
  be.attention().causal_attention_fwd(p2, p2 + s.C(), p2 + 2 * s.C(), s.ld_qkv(), att.data(), out2.data(),
                                      s.ld_out(), s.B, s.T, s.H, s.D, scale);
  for (int t = 0; t < 4; ++t)
    for (int c = 0; c < s.C(); ++c) EXPECT_EQ(out2[size_t(t) * s.ld_out() + c], out[size_t(t) * s.ld_out() + c]);
}

TEST(AttentionOps, BackwardMatchesFiniteDifferences) {
  CpuBackend<double> be(2);
  Shape s;
  Rng rng(12);
  auto qkv = randn(s.qkv_size(), rng, 0.8);
  auto G = randn(s.out_size(), rng);  // loss = <G, out>
  const double scale = 1.0 / std::sqrt(double(s.D));
  std::vector<double> att(size_t(s.B) * s.H * s.T * s.T);
  auto loss = [&](const std::vector<double>& x) {
    std::vector<double> out(s.out_size(), 0.0);
    be.attention().causal_attention_fwd(x.data(), x.data() + s.C(), x.data() + 2 * s.C(), s.ld_qkv(), att.data(),
                                        out.data(), s.ld_out(), s.B, s.T, s.H, s.D, scale);
    double l = 0;
    for (int r = 0; r < s.B * s.T; ++r)
      for (int c = 0; c < s.C(); ++c) l += G[size_t(r) * s.ld_out() + c] * out[size_t(r) * s.ld_out() + c];
    return l;
  };
  loss(qkv);
  // Garbage in the gradient buffer proves the op overwrites.
  std::vector<double> dqkv(s.qkv_size(), 123.0);
  const double* p = qkv.data();
  be.attention().causal_attention_bwd(G.data(), s.ld_out(), p, p + s.C(), p + 2 * s.C(), s.ld_qkv(), att.data(),
                                      dqkv.data(), dqkv.data() + s.C(), dqkv.data() + 2 * s.C(), s.ld_qkv(), s.B,
                                      s.T, s.H, s.D, scale);
  udlab::testing::expect_gradient_matches(loss, qkv, dqkv, "dqkv", 1e-7, 400);
}

TEST(AttentionOps, SumHeadsAndItsAdjoint) {
  CpuBackend<double> be(1);
  Rng rng(13);
  const int R = 3, H = 4, D = 5;
  auto x = randn(size_t(R) * H * D, rng);
  std::vector<double> y(size_t(R) * D, 9.0);
  be.attention().sum_heads_fwd(x.data(), y.data(), R, H, D);
  for (int r = 0; r < R; ++r)
    for (int e = 0; e < D; ++e) {
      double s = 0;
      for (int h = 0; h < H; ++h) s += x[(size_t(r) * H + h) * D + e];
      EXPECT_NEAR(y[size_t(r) * D + e], s, 1e-14);
    }
  auto dy = randn(size_t(R) * D, rng);
  std::vector<double> dx(x.size(), 5.0);
  be.attention().sum_heads_bwd(dy.data(), dx.data(), R, H, D);
  for (int r = 0; r < R; ++r)
    for (int h = 0; h < H; ++h)
      for (int e = 0; e < D; ++e) EXPECT_EQ(dx[(size_t(r) * H + h) * D + e], dy[size_t(r) * D + e]);
}
