// Matrix exponential and its Fréchet derivative for small dense blocks: truncated Taylor series
// evaluated by Paterson–Stockmeyer, with scaling and squaring (math-notes §2, §3.1).
//
// Why Taylor and not Padé: no linear solve (cheap for 8–32 sized blocks, and it suits a GPU twin), and
// the generators of the group models are small (‖ξ‖₁ ≲ 1), so a degree-9 or -12 polynomial with no
// squaring is already exact to float32 round-off. The degree and the number of squarings are chosen per
// matrix from ‖X‖₁ so that the truncated tail Σ_{j≥m} θ^j/j! stays below the unit round-off of S; the
// tail starts at m (not m+1) so that the derivative of the truncated series is exact to round-off too.
//
// The Fréchet derivative L(X, E) is the off-diagonal block of exp([[X, E], [0, X]]) (notes §3.1),
// evaluated with the same polynomial on block matrices without ever forming them: a block product
// [[A, Da], [0, A]]·[[B, Db], [0, B]] is [[AB, A·Db + Da·B], [0, AB]].
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/groups/skew.h"
#include "core/groups/small_mm.h"

namespace udlab::expm {

struct Plan {
  int m = 0;  // Taylor degree
  int q = 1;  // Paterson–Stockmeyer split: powers X^1..X^q are formed
  int s = 0;  // squarings
};

// Degrees on the Paterson–Stockmeyer optimal curve, with their split.
inline constexpr int kNumDegrees = 10;
inline constexpr int kDegree[kNumDegrees] = {1, 2, 4, 6, 9, 12, 16, 20, 25, 30};
inline constexpr int kSplit[kNumDegrees] = {1, 2, 2, 3, 3, 4, 4, 5, 5, 6};

// Matrix products the polynomial takes (forward exp; the Fréchet version takes about 3×).
inline int poly_cost(int m, int q) { return (q - 1) + m / q - (m % q == 0 ? 1 : 0); }

inline double taylor_tail(double theta, int m) {
  // Σ_{j≥m} θ^j / j!, summed until the terms vanish.
  double term = 1;
  for (int j = 1; j <= m; ++j) term *= theta / j;
  double sum = 0;
  for (int j = m; j < m + 200 && term > 1e-40 * (sum + 1e-300); ++j) {
    sum += term;
    term *= theta / (j + 1);
  }
  return sum;
}

// Largest θ with taylor_tail(θ, m) ≤ u, by bisection.
inline double taylor_threshold(int m, double u) {
  double lo = 0, hi = 64;
  for (int it = 0; it < 200; ++it) {
    double mid = 0.5 * (lo + hi);
    (taylor_tail(mid, m) <= u ? lo : hi) = mid;
  }
  return lo;
}

template <class S>
struct Thresholds {
  double theta[kNumDegrees];
  int max_degree_index;
  Thresholds() {
    const double u = std::numeric_limits<S>::epsilon() / 2;  // unit round-off
    // Float needs no more than degree 16; beyond it the extra products cost more than one squaring.
    max_degree_index = sizeof(S) <= 4 ? 6 : kNumDegrees - 1;
    for (int i = 0; i < kNumDegrees; ++i) theta[i] = taylor_threshold(kDegree[i], u);
  }
};

// Cheapest (degree, squarings) that is exact to round-off for a matrix of 1-norm `norm1`.
template <class S>
Plan choose_plan(double norm1) {
  static const Thresholds<S> th;
  Plan best;
  int best_cost = 1 << 30;
  for (int i = 0; i <= th.max_degree_index; ++i) {
    int s = 0;
    if (norm1 > th.theta[i]) {  // ⌈log₂ r⌉ from the exponent of r = f·2^e, f ∈ [0.5, 1)
      int e;
      const double f = std::frexp(norm1 / th.theta[i], &e);
      s = f == 0.5 ? e - 1 : e;
    }
    int cost = poly_cost(kDegree[i], kSplit[i]) + s;
    // Ties go to the higher degree: fewer squarings amplify round-off less.
    if (cost <= best_cost) {
      best_cost = cost;
      best = Plan{kDegree[i], kSplit[i], s};
    }
  }
  return best;
}

// ‖X‖₁ (largest column sum of |x|) of an n×n block with row stride ld; 8 columns at a time summed down
// the rows in registers (a running sum through memory cost as much as the 8×8 exp's products).
template <class S>
double norm1(int n, const S* X, int ld, S* colsum) {
  S m = 0;
  int j0 = 0;
  auto block = [&](auto w) {  // w columns from j0, summed in registers
    constexpr int W = decltype(w)::value;
    S c[W] = {};
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < W; ++j) c[j] += std::abs(X[size_t(i) * ld + j0 + j]);
    for (int j = 0; j < W; ++j) m = std::max(m, c[j]);
    j0 += W;
  };
  while (j0 + 8 <= n) block(std::integral_constant<int, 8>{});
  if (j0 + 4 <= n) block(std::integral_constant<int, 4>{});
  for (int j = j0; j < n; ++j) colsum[j] = 0;
  for (int i = 0; i < n; ++i)
    for (int j = j0; j < n; ++j) colsum[j] += std::abs(X[size_t(i) * ld + j]);
  for (int j = j0; j < n; ++j) m = std::max(m, colsum[j]);
  return double(m);
}

// Taylor coefficients 1/j!.
template <class S>
inline S inv_factorial(int j) {
  static const struct Table {
    S v[32];
    Table() {
      double f = 1;
      for (int i = 0; i < 32; ++i) {
        if (i > 0) f *= i;
        v[i] = S(1.0 / f);
      }
    }
  } t;
  return j < 32 ? t.v[j] : S(0);
}

// Σ_{i<L} c[i]·h[i][e] into out, one pass over len elements (L ≤ 6 fixed at compile time, so the sum
// stays in registers and the loop is one flat vector loop whatever n is: at n = 12 the row-by-row loops
// of 12 ran 8 lanes plus 4 scalar iterations per row, and were a third of the samples, issue 15).
template <int L, class S>
inline void lincomb_fixed(S* __restrict out, const S* const* h, const S* c, size_t len) {
  const S* __restrict p[L];
  for (int i = 0; i < L; ++i) p[i] = h[i];
  for (size_t e = 0; e < len; ++e) {
    S s = c[0] * p[0][e];
    for (int i = 1; i < L; ++i) s += c[i] * p[i][e];
    out[e] = s;
  }
}

template <class S>
inline void lincomb(S* out, const S* const* h, const S* c, int terms, size_t len) {
  switch (terms) {
    case 0: std::fill(out, out + len, S(0)); return;
    case 1: return lincomb_fixed<1>(out, h, c, len);
    case 2: return lincomb_fixed<2>(out, h, c, len);
    case 3: return lincomb_fixed<3>(out, h, c, len);
    case 4: return lincomb_fixed<4>(out, h, c, len);
    case 5: return lincomb_fixed<5>(out, h, c, len);
    default: return lincomb_fixed<6>(out, h, c, len);
  }
}

// One Paterson–Stockmeyer chunk: out = Σ_{1≤i≤last} c_{kq+i}·h[i] + c_{kq}·I, last = q for the top chunk
// (when q divides m) else q − 1, cut at m. Each h[i] spans len scalars whose leading n×n block (row stride
// ld entries) takes the identity term: X^i for exp, the pair [X^i | D_i] (ld = 2n) for its Fréchet
// derivative. Each entry is `lanes` scalars (1, or lanes::kLanes for the interleaved layout).
template <class S>
inline void ps_chunk(const Plan& p, int k, bool top, const S* const* h, size_t len, int n, size_t ld, S* out,
                     int lanes = 1) {
  const int last = std::min(top ? p.q : p.q - 1, p.m - k * p.q);
  S c[6];
  for (int i = 1; i <= last; ++i) c[i - 1] = inv_factorial<S>(k * p.q + i);
  lincomb(out, h + 1, c, last, len);
  const S c0 = inv_factorial<S>(k * p.q);
  for (int i = 0; i < n; ++i)
    for (int l = 0; l < lanes; ++l) out[(size_t(i) * ld + i) * lanes + l] += c0;
}

// Work space and product kernels for one block size n, reused per thread. The Fréchet recursion keeps
// every pair (X^i, D_i) and the running pair (A, D) side by side as n×2n row-major matrices [X^i | D_i],
// [A | D], so that a pair product [[P, Dp], [0, P]]·[[A, D], [0, A]] = [[PA, P·D + Dp·A]] is two calls,
// P·[A | D] (one product with N = 2n) and then Dp·A added into the right half, and so that the Taylor
// chunk sums run over 2n² contiguous floats. Same flops as four n×n products.
template <class S>
struct Work {
  static constexpr int kLanes = 1;
  int n = 0;
  std::vector<S> buf;
  S *P[7], *H[7], *Z, *Z2, *colsum;
  smm::Kernel<S> nn0, nn1;  // C = A·B, C += A·B (n×n contiguous)
  smm::Kernel<S> tn0, tn1;  // C = Aᵀ·B, C += Aᵀ·B (n×n contiguous; the recurrence's adjoints)
  smm::Kernel<S> w0, w1;    // [n×2n] (=, +=) [n×n, row stride 2n]·[n×2n]
  smm::Kernel<S> r1;        // right half [n×n, stride 2n] += [n×n, stride 2n]·[n×n, stride 2n]
  void resize(int b) {
    if (b == n) return;
    n = b;
    const size_t nn = size_t(n) * n;
    buf.assign(nn * (7 + 2 * 7 + 2 + 2) + n, S(0));
    S* p = buf.data();
    for (int i = 0; i < 7; ++i, p += nn) P[i] = p;
    for (int i = 0; i < 7; ++i, p += 2 * nn) H[i] = p;
    Z = p; p += 2 * nn;
    Z2 = p; p += 2 * nn;
    colsum = p;
    nn0 = {n, n, n, false, n, n, false, n};
    nn1 = {n, n, n, false, n, n, true, n};
    tn0 = {n, n, n, true, n, n, false, n};
    tn1 = {n, n, n, true, n, n, true, n};
    w0 = {n, 2 * n, n, false, 2 * n, 2 * n, false, 2 * n};
    w1 = {n, 2 * n, n, false, 2 * n, 2 * n, true, 2 * n};
    r1 = {n, n, n, false, 2 * n, 2 * n, true, 2 * n};
  }
};

// The polynomial of the plan on P[1] = 2^{−s}·X, already in place in the work space: Paterson–Stockmeyer,
// B_k = Σ_{i<q} c_{kq+i} X^i, Horner in X^q over k, then the squarings. Returns the buffer holding exp(X).
// Wk is Work (one matrix) or the interleaved LanesWork (core/groups/expm_lanes.h): the same steps, with
// each entry Wk::kLanes scalars wide.
template <class S, class Wk>
S* exp_poly(const Plan& p, Wk& w) {
  const int n = w.n, m = p.m, q = p.q, L = Wk::kLanes;
  const size_t nn = size_t(n) * n * L;
  for (int i = 2; i <= q; ++i) w.nn0(w.P[i - 1], w.P[1], w.P[i]);
  S* acc = w.Z;
  S* nxt = w.Z2;
  // Horner from the top chunk down; when q divides m the top chunk also takes X^q's own term.
  const bool top = m % q == 0;
  int k = m / q - (top ? 1 : 0);
  ps_chunk(p, k, top, w.P, nn, n, n, acc, L);
  for (--k; k >= 0; --k) {
    ps_chunk(p, k, false, w.P, nn, n, n, nxt, L);
    w.nn1(w.P[q], acc, nxt);
    std::swap(acc, nxt);
  }
  for (int j = 0; j < p.s; ++j) {
    w.nn0(acc, acc, nxt);
    std::swap(acc, nxt);
  }
  return acc;
}

// The same polynomial on [[X, Edir], [0, X]] carried as pairs [A | D] (notes §3.1), from H[1] = 2^{−s}·[X | Edir]
// in place. Returns the final pair: exp(X) in its left n columns, L(X, Edir) in its right (row stride 2n).
template <class S, class Wk>
S* frechet_poly(const Plan& p, Wk& w) {
  const int n = w.n, m = p.m, q = p.q, L = Wk::kLanes;
  const size_t n2 = size_t(2) * n, len = n2 * n * L, right = size_t(n) * L;
  // [X^i | D_i] = X^{i−1}·[X | D_1], then D_i += D_{i−1}·X.
  for (int i = 2; i <= q; ++i) {
    w.w0(w.H[i - 1], w.H[1], w.H[i]);
    w.r1(w.H[i - 1] + right, w.H[1], w.H[i] + right);
  }
  S* acc = w.Z;  // [A | D], the chunks as pairs (B_k, dB_k) = [B | dB]
  S* nxt = w.Z2;
  const bool top = m % q == 0;
  int k = m / q - (top ? 1 : 0);
  ps_chunk(p, k, top, w.H, len, n, n2, acc, L);
  for (--k; k >= 0; --k) {
    // (A, D) ← (B + X^q·A, dB + X^q·D + D_q·A)
    ps_chunk(p, k, false, w.H, len, n, n2, nxt, L);
    w.w1(w.H[q], acc, nxt);
    w.r1(w.H[q] + right, acc, nxt + right);
    std::swap(acc, nxt);
  }
  for (int j = 0; j < p.s; ++j) {
    // (A, D) ← (A·A, A·D + D·A)
    w.w0(acc, acc, nxt);
    w.r1(acc + right, acc, nxt + right);
    std::swap(acc, nxt);
  }
  return acc;
}

// The calling thread's work space of type Wk (Work<S>, or LanesWork<S> of expm_lanes.h), sized for n.
template <class Wk>
Wk& thread_work(int n) {
  thread_local Wk w;
  w.resize(n);
  return w;
}

// E (row stride lde) = exp(X) (row stride ldx) for the plan p (choose_plan<S>(‖X‖₁)).
template <class S>
void taylor_exp(const S* X, int ldx, const Plan& p, S* E, int lde, Work<S>& w) {
  const int n = w.n;
  const S scale = std::ldexp(S(1), -p.s);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) w.P[1][size_t(i) * n + j] = scale * X[size_t(i) * ldx + j];
  const S* acc = exp_poly<S>(p, w);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) E[size_t(i) * lde + j] = acc[size_t(i) * n + j];
}

// R = exp(X) and Lo = L(X, Edir), the Fréchet derivative of exp at X in direction Edir. Row strides ldx,
// ldd on input; with xt the stored matrix is Xᵀ (read transposed). R and Lo are n×n blocks of row stride 2n
// in w (valid until the next call).
template <class S>
void taylor_exp_frechet(const S* X, int ldx, bool xt, const S* Edir, int ldd, const Plan& p, const S** R,
                        const S** Lo, Work<S>& w) {
  const int n = w.n;
  const size_t n2 = size_t(2) * n;
  const S scale = std::ldexp(S(1), -p.s);
  // H[1] = [scale·X | scale·Edir] (X read transposed with xt).
  if (xt) skew::transpose_scaled(n, X, ldx, w.H[1], int(n2), scale);
  for (int i = 0; i < n; ++i) {
    S* __restrict h = w.H[1] + i * n2;
    if (!xt)
      for (int j = 0; j < n; ++j) h[j] = scale * X[size_t(i) * ldx + j];
    for (int j = 0; j < n; ++j) h[n + j] = scale * Edir[size_t(i) * ldd + j];
  }
  const S* acc = frechet_poly<S>(p, w);
  *R = acc;
  *Lo = acc + n;
}

}  // namespace udlab::expm
