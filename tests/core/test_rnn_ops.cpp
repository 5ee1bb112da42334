// RnnOps CPU kernels: each backward against central differences of its forward (double), the forward
// against the textbook formulas, and float against double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "support/gradcheck.h"

using namespace udlab;
using udlab::testing::expect_gradient_matches;

namespace {

std::vector<double> randn(size_t n, Rng& r, double s = 1.0) {
  std::vector<double> v(n);
  for (auto& x : v) x = s * r.normal();
  return v;
}
double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
double sigm(double x) { return 1 / (1 + std::exp(-x)); }

// B = 3, H = 5 keeps every kernel on one thread; B = 64, H = 64 crosses the threading threshold.
struct Shape {
  int B, H;
};
const Shape kShapes[] = {{3, 5}, {64, 64}};

}  // namespace

TEST(RnnOps, LstmCellForwardMatchesFormulas) {
  CpuBackend<double> be(2);
  Rng rng(1);
  const int B = 4, H = 6;
  auto pre = randn(size_t(B) * 4 * H, rng, 2.0), cp = randn(size_t(B) * H, rng);
  auto g = pre;
  std::vector<double> c(B * H), tc(B * H), h(B * H);
  be.rnn().lstm_cell_fwd(g.data(), cp.data(), c.data(), tc.data(), h.data(), B, H);
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < H; ++j) {
      const double* p = pre.data() + size_t(b) * 4 * H;
      double i = sigm(p[j]), f = sigm(p[H + j]), gg = std::tanh(p[2 * H + j]), o = sigm(p[3 * H + j]);
      double cc = f * cp[b * H + j] + i * gg;
      EXPECT_NEAR(c[b * H + j], cc, 1e-14);
      EXPECT_NEAR(tc[b * H + j], std::tanh(cc), 1e-14);
      EXPECT_NEAR(h[b * H + j], o * std::tanh(cc), 1e-14);
      EXPECT_NEAR(g[size_t(b) * 4 * H + H + j], f, 1e-14);  // activations are kept in place
    }
  // A null c_prev is the zero state.
  std::vector<double> zero(B * H, 0.0), c0(B * H), c1(B * H), h0(B * H), h1(B * H);
  auto g0 = pre, g1 = pre;
  be.rnn().lstm_cell_fwd(g0.data(), nullptr, c0.data(), tc.data(), h0.data(), B, H);
  be.rnn().lstm_cell_fwd(g1.data(), zero.data(), c1.data(), tc.data(), h1.data(), B, H);
  EXPECT_EQ(h0, h1);
  EXPECT_EQ(c0, c1);
}

// f(pre, c_prev) = <r_h, h_t> + <r_c, c_t>: then dh = r_h and "dc from the future" = r_c, and the
// backward must return ∂f/∂pre in dgates and ∂f/∂c_prev in dc.
TEST(RnnOps, LstmCellBackwardMatchesFiniteDifferences) {
  for (Shape s : kShapes) {
    for (bool zero_state : {false, true}) {
      CpuBackend<double> be(2);
      Rng rng(2 + s.B);
      const int B = s.B, H = s.H;
      const size_t n = size_t(B) * H;
      auto pre = randn(n * 4, rng, 1.5), cp = randn(n, rng), rh = randn(n, rng), rc = randn(n, rng);
      auto f = [&](const std::vector<double>& pre_in, const std::vector<double>& cp_in) {
        auto g = pre_in;
        std::vector<double> c(n), tc(n), h(n);
        be.rnn().lstm_cell_fwd(g.data(), zero_state ? nullptr : cp_in.data(), c.data(), tc.data(), h.data(), B, H);
        return dot(rh, h) + dot(rc, c);
      };
      auto g = pre;
      std::vector<double> c(n), tc(n), h(n), dgates(n * 4, 7.0), dc = rc;
      be.rnn().lstm_cell_fwd(g.data(), zero_state ? nullptr : cp.data(), c.data(), tc.data(), h.data(), B, H);
      be.rnn().lstm_cell_bwd(g.data(), zero_state ? nullptr : cp.data(), tc.data(), rh.data(), dc.data(),
                             dgates.data(), B, H);
      std::string what = "B=" + std::to_string(B) + (zero_state ? " zero state" : "");
      expect_gradient_matches([&](const std::vector<double>& x) { return f(x, cp); }, pre, dgates,
                              "dgates " + what, 1e-7, 200);
      if (!zero_state)
        expect_gradient_matches([&](const std::vector<double>& x) { return f(pre, x); }, cp, dc, "dc_prev " + what,
                                1e-7, 200);
    }
  }
}

TEST(RnnOps, TanhCellForwardAndBackward) {
  for (Shape s : kShapes) {
    CpuBackend<double> be(2);
    Rng rng(3 + s.B);
    const int B = s.B, H = s.H;
    const size_t n = size_t(B) * H;
    auto pre = randn(n, rng, 1.5), rh = randn(n, rng);
    std::vector<double> h(n), dpre(n, 7.0);
    be.rnn().rnn_tanh_cell_fwd(pre.data(), h.data(), B, H);
    for (size_t i = 0; i < n; ++i) EXPECT_NEAR(h[i], std::tanh(pre[i]), 1e-15);
    be.rnn().rnn_tanh_cell_bwd(h.data(), rh.data(), dpre.data(), B, H);
    auto f = [&](const std::vector<double>& x) {
      std::vector<double> hh(n);
      be.rnn().rnn_tanh_cell_fwd(x.data(), hh.data(), B, H);
      return dot(rh, hh);
    };
    expect_gradient_matches(f, pre, dpre, "tanh dpre B=" + std::to_string(B), 1e-7, 200);
    // In place, as the interface allows.
    auto inplace = pre;
    be.rnn().rnn_tanh_cell_fwd(inplace.data(), inplace.data(), B, H);
    EXPECT_EQ(inplace, h);
    auto d2 = rh;
    be.rnn().rnn_tanh_cell_bwd(h.data(), d2.data(), d2.data(), B, H);
    EXPECT_EQ(d2, dpre);
  }
}

TEST(RnnOps, RowNorms) {
  CpuBackend<double> be(2);
  Rng rng(4);
  const int M = 300, N = 129;
  auto x = randn(size_t(M) * N, rng);
  std::vector<double> nr(M);
  be.rnn().row_norms(x.data(), nr.data(), M, N);
  for (int m = 0; m < M; ++m) {
    double s = 0;
    for (int j = 0; j < N; ++j) s += x[size_t(m) * N + j] * x[size_t(m) * N + j];
    EXPECT_NEAR(nr[m], std::sqrt(s), 1e-12);
  }
}

// The float kernels (vectorised approximations of exp/tanh) agree with double to float accuracy.
TEST(RnnOps, FloatMatchesDouble) {
  CpuBackend<double> bd(2);
  CpuBackend<float> bf(2);
  Rng rng(5);
  const int B = 64, H = 64;
  const size_t n = size_t(B) * H;
  auto pre = randn(n * 4, rng, 3.0), cp = randn(n, rng), dh = randn(n, rng), dcn = randn(n, rng);
  std::vector<float> pref(pre.begin(), pre.end()), cpf(cp.begin(), cp.end()), dhf(dh.begin(), dh.end()),
      dcf(dcn.begin(), dcn.end());
  std::vector<double> c(n), tc(n), h(n), dg(4 * n);
  std::vector<float> cf(n), tcf(n), hf(n), dgf(4 * n);
  bd.rnn().lstm_cell_fwd(pre.data(), cp.data(), c.data(), tc.data(), h.data(), B, H);
  bf.rnn().lstm_cell_fwd(pref.data(), cpf.data(), cf.data(), tcf.data(), hf.data(), B, H);
  bd.rnn().lstm_cell_bwd(pre.data(), cp.data(), tc.data(), dh.data(), dcn.data(), dg.data(), B, H);
  bf.rnn().lstm_cell_bwd(pref.data(), cpf.data(), tcf.data(), dhf.data(), dcf.data(), dgf.data(), B, H);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NEAR(hf[i], h[i], 2e-6);
    EXPECT_NEAR(cf[i], c[i], 2e-6 * (1 + std::abs(c[i])));
    EXPECT_NEAR(dcf[i], dcn[i], 1e-5 * (1 + std::abs(dcn[i])));
  }
  for (size_t i = 0; i < 4 * n; ++i) EXPECT_NEAR(dgf[i], dg[i], 1e-5 * (1 + std::abs(dg[i])));
}

// ---- whole-layer sequence kernels ----
namespace {

// One configuration per cell; sizes large enough that the two-thread path runs, with an odd B so
// the sequence blocks are uneven.
struct SeqCase {
  bool lstm;
  int T, B, H;
};
const SeqCase kSeqCases[] = {{true, 8, 37, 32}, {false, 8, 37, 64}, {true, 3, 2, 5}, {false, 1, 3, 4}};

struct SeqOut {
  std::vector<double> pre, h, c, tc;
};

SeqOut seq_forward(CpuBackend<double>& be, const SeqCase& s, std::vector<double> pre, const std::vector<double>& W) {
  const size_t n = size_t(s.T) * s.B * s.H;
  SeqOut o;
  o.h.assign(n, 0.0);
  if (s.lstm) {
    o.c.assign(n, 0.0);
    o.tc.assign(n, 0.0);
    be.rnn().lstm_seq_fwd(pre.data(), W.data(), o.h.data(), o.c.data(), o.tc.data(), s.T, s.B, s.H);
  } else {
    be.rnn().rnn_tanh_seq_fwd(pre.data(), W.data(), o.h.data(), s.T, s.B, s.H);
  }
  o.pre = std::move(pre);
  return o;
}

std::string name_of(const SeqCase& s) {
  return std::string(s.lstm ? "lstm" : "tanh") + " T=" + std::to_string(s.T) + " B=" + std::to_string(s.B);
}

}  // namespace

// The sequence kernels equal the step-by-step composition of a plain GEMM and the cell kernels.
TEST(RnnOps, SequenceKernelsMatchStepByStepComposition) {
  for (const SeqCase& s : kSeqCases) {
    CpuBackend<double> be(2);
    Rng rng(9 + s.B);
    const int G = s.lstm ? 4 : 1, GH = G * s.H, TB = s.T * s.B;
    auto pre0 = randn(size_t(TB) * GH, rng), W = randn(size_t(GH) * s.H, rng, 1.0 / std::sqrt(s.H));
    auto rh = randn(size_t(TB) * s.H, rng);
    SeqOut got = seq_forward(be, s, pre0, W);

    // Reference forward.
    auto pre = pre0;
    std::vector<double> h(size_t(TB) * s.H), c(h.size()), tc(h.size());
    for (int t = 0; t < s.T; ++t) {
      double* p = pre.data() + size_t(t) * s.B * GH;
      if (t > 0)
        be.dense().gemm(false, true, s.B, GH, s.H, 1.0, h.data() + size_t(t - 1) * s.B * s.H, s.H, W.data(), s.H, 1.0,
                        p, GH);
      size_t o = size_t(t) * s.B * s.H, op = size_t(t - 1) * s.B * s.H;
      if (s.lstm) be.rnn().lstm_cell_fwd(p, t ? c.data() + op : nullptr, c.data() + o, tc.data() + o, h.data() + o, s.B, s.H);
      else be.rnn().rnn_tanh_cell_fwd(p, h.data() + o, s.B, s.H);
    }
    for (size_t i = 0; i < h.size(); ++i) ASSERT_NEAR(got.h[i], h[i], 1e-13) << name_of(s) << " h[" << i << "]";
    if (s.lstm) {
      for (size_t i = 0; i < c.size(); ++i) ASSERT_NEAR(got.c[i], c[i], 1e-13) << name_of(s);
      for (size_t i = 0; i < pre.size(); ++i) ASSERT_NEAR(got.pre[i], pre[i], 1e-13) << name_of(s);
    }

    // Reference backward.
    auto dh_ref = rh;
    std::vector<double> dpre_ref(pre.size()), dc(size_t(s.B) * s.H, 0.0);
    for (int t = s.T - 1; t >= 0; --t) {
      size_t o = size_t(t) * s.B * s.H, op = size_t(t - 1) * s.B * s.H;
      if (t < s.T - 1)
        be.dense().gemm(false, false, s.B, s.H, GH, 1.0, dpre_ref.data() + size_t(t + 1) * s.B * GH, GH, W.data(), s.H,
                        1.0, dh_ref.data() + o, s.H);
      double* dp = dpre_ref.data() + size_t(t) * s.B * GH;
      if (s.lstm)
        be.rnn().lstm_cell_bwd(pre.data() + size_t(t) * s.B * GH, t ? c.data() + op : nullptr, tc.data() + o,
                               dh_ref.data() + o, dc.data(), dp, s.B, s.H);
      else be.rnn().rnn_tanh_cell_bwd(h.data() + o, dh_ref.data() + o, dp, s.B, s.H);
    }
    auto dh = rh;
    std::vector<double> dpre(pre.size(), 7.0), dc2(size_t(s.B) * s.H, 7.0);
    if (s.lstm)
      be.rnn().lstm_seq_bwd(got.pre.data(), W.data(), got.c.data(), got.tc.data(), dh.data(), dpre.data(), dc2.data(),
                            s.T, s.B, s.H);
    else be.rnn().rnn_tanh_seq_bwd(got.h.data(), W.data(), dh.data(), dpre.data(), s.T, s.B, s.H);
    for (size_t i = 0; i < dh.size(); ++i) ASSERT_NEAR(dh[i], dh_ref[i], 1e-12) << name_of(s) << " dh[" << i << "]";
    for (size_t i = 0; i < dpre.size(); ++i) ASSERT_NEAR(dpre[i], dpre_ref[i], 1e-12) << name_of(s) << " dpre[" << i << "]";

    // One thread gives the same numbers (the partition only decides who computes which sequence).
    CpuBackend<double> one(1);
    SeqOut got1 = seq_forward(one, s, pre0, W);
    for (size_t i = 0; i < h.size(); ++i) ASSERT_NEAR(got1.h[i], got.h[i], 1e-13) << name_of(s);
  }
}

// f(pre_in, W_hh) = <r, h_0..T-1>: the sequence backward with dh = r gives ∂f/∂pre_in in dpre, and
// ∂f/∂W_hh = Σ_t dpre_t^T h_{t-1} (what the model computes with one GEMM).
TEST(RnnOps, SequenceBackwardMatchesFiniteDifferences) {
  for (const SeqCase& s : kSeqCases) {
    CpuBackend<double> be(2);
    Rng rng(13 + s.B);
    const int G = s.lstm ? 4 : 1, GH = G * s.H, TB = s.T * s.B;
    auto pre0 = randn(size_t(TB) * GH, rng), W = randn(size_t(GH) * s.H, rng, 1.0 / std::sqrt(s.H));
    auto r = randn(size_t(TB) * s.H, rng);
    auto f = [&](const std::vector<double>& p, const std::vector<double>& w) { return dot(r, seq_forward(be, s, p, w).h); };
    SeqOut fw = seq_forward(be, s, pre0, W);
    auto dh = r;
    std::vector<double> dpre(pre0.size()), dc(size_t(s.B) * s.H);
    if (s.lstm)
      be.rnn().lstm_seq_bwd(fw.pre.data(), W.data(), fw.c.data(), fw.tc.data(), dh.data(), dpre.data(), dc.data(), s.T,
                            s.B, s.H);
    else be.rnn().rnn_tanh_seq_bwd(fw.h.data(), W.data(), dh.data(), dpre.data(), s.T, s.B, s.H);
    std::vector<double> dW(W.size(), 0.0);
    if (s.T > 1)
      be.dense().gemm(true, false, GH, s.H, TB - s.B, 1.0, dpre.data() + size_t(s.B) * GH, GH, fw.h.data(), s.H, 0.0,
                      dW.data(), s.H);
    // f sums ~2e4 terms, so its rounding error (~1e-12) divided by the 1e-6 step limits the
    // differences to ~1e-6 relative; a wrong kernel is off by O(1).
    const double tol = TB * s.H > 1000 ? 1e-5 : 1e-7;
    expect_gradient_matches([&](const std::vector<double>& x) { return f(x, W); }, pre0, dpre, "dpre " + name_of(s),
                            tol, 60);
    expect_gradient_matches([&](const std::vector<double>& x) { return f(pre0, x); }, W, dW, "dW_hh " + name_of(s),
                            tol, 60);
  }
}

// The float sequence kernels (on AVX-512 builds a register-tiled GEMM kernel with 8-row tiles,
// 48/16-column tiles and a masked tail) agree with double. The shapes hit every tile kind: B = 37 on
// two threads gives 18 and 19 rows (8+8+2, 8+8+3); N = 4H = 80 is 48+16+16, H = 20 is 16 + a tail of 4.
TEST(RnnOps, FloatSequenceKernelsMatchDouble) {
  for (bool lstm : {true, false})
    for (int H : {20, 64}) {
      const int T = 6, B = 37, G = lstm ? 4 : 1, GH = G * H;
      CpuBackend<double> bd(2);
      CpuBackend<float> bf(2);
      Rng rng(17 + H);
      auto pre = randn(size_t(T) * B * GH, rng), W = randn(size_t(GH) * H, rng, 1.0 / std::sqrt(H));
      auto dh = randn(size_t(T) * B * H, rng);
      auto to_f = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
      auto pref = to_f(pre), Wf = to_f(W), dhf = to_f(dh);
      const size_t n = size_t(T) * B * H;
      std::vector<double> h(n), c(n), tc(n), dpre(pre.size()), dc(size_t(B) * H);
      std::vector<float> hf(n), cf(n), tcf(n), dpref(pre.size()), dcf(size_t(B) * H);
      if (lstm) {
        bd.rnn().lstm_seq_fwd(pre.data(), W.data(), h.data(), c.data(), tc.data(), T, B, H);
        bf.rnn().lstm_seq_fwd(pref.data(), Wf.data(), hf.data(), cf.data(), tcf.data(), T, B, H);
        bd.rnn().lstm_seq_bwd(pre.data(), W.data(), c.data(), tc.data(), dh.data(), dpre.data(), dc.data(), T, B, H);
        bf.rnn().lstm_seq_bwd(pref.data(), Wf.data(), cf.data(), tcf.data(), dhf.data(), dpref.data(), dcf.data(), T, B, H);
      } else {
        bd.rnn().rnn_tanh_seq_fwd(pre.data(), W.data(), h.data(), T, B, H);
        bf.rnn().rnn_tanh_seq_fwd(pref.data(), Wf.data(), hf.data(), T, B, H);
        bd.rnn().rnn_tanh_seq_bwd(h.data(), W.data(), dh.data(), dpre.data(), T, B, H);
        bf.rnn().rnn_tanh_seq_bwd(hf.data(), Wf.data(), dhf.data(), dpref.data(), T, B, H);
      }
      std::string what = std::string(lstm ? "lstm" : "tanh") + " H=" + std::to_string(H);
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(hf[i], h[i], 1e-5) << what << " h[" << i << "]";
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(dhf[i], dh[i], 1e-4 * (1 + std::abs(dh[i]))) << what << " dh[" << i << "]";
      for (size_t i = 0; i < dpre.size(); ++i)
        ASSERT_NEAR(dpref[i], dpre[i], 1e-4 * (1 + std::abs(dpre[i]))) << what << " dpre[" << i << "]";
    }
}
