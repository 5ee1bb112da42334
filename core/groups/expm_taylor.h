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
#include <Eigen/Core>
#include <cmath>
#include <limits>

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
    if (norm1 > th.theta[i]) s = int(std::ceil(std::log2(norm1 / th.theta[i])));
    int cost = poly_cost(kDegree[i], kSplit[i]) + s;
    // Ties go to the higher degree: fewer squarings amplify round-off less.
    if (cost <= best_cost) {
      best_cost = cost;
      best = Plan{kDegree[i], kSplit[i], s};
    }
  }
  return best;
}

// The products run on core/groups/small_mm (libxsmm JIT kernels for every n, or Eigen), on plain
// row-major square matrices.
template <class Mat>
inline void mm(Mat& c, const Mat& a, const Mat& b) {
  smm::mm<typename Mat::Scalar>(int(a.rows()), a.data(), b.data(), c.data());
}
template <class Mat>
inline void mm_add(Mat& c, const Mat& a, const Mat& b) {
  smm::mm<typename Mat::Scalar>(int(a.rows()), a.data(), b.data(), c.data(), true);
}

template <class Mat>
double norm1(const Mat& X) {
  return double(X.cwiseAbs().colwise().sum().maxCoeff());
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

// Work space for one block size (fixed-size Mat lives on the stack; dynamic Mat should be reused).
template <class Mat>
struct Work {
  Mat P[7], D[7], acc, dacc, B, dB, tmp, tmp2;
  void resize(int n) {
    if constexpr (Mat::RowsAtCompileTime == Eigen::Dynamic) {
      for (auto* m : {&acc, &dacc, &B, &dB, &tmp, &tmp2}) m->resize(n, n);
      for (int i = 0; i < 7; ++i) { P[i].resize(n, n); D[i].resize(n, n); }
    }
  }
};

// E = exp(X) for a plan chosen from X (choose_plan<S>(norm1(X))).
template <class Mat>
void taylor_exp(const Mat& X, const Plan& p, Mat& E, Work<Mat>& w) {
  using S = typename Mat::Scalar;
  const int n = int(X.rows());
  const S scale = std::ldexp(S(1), -p.s);
  const int m = p.m, q = p.q;
  w.P[1] = X * scale;
  for (int i = 2; i <= q; ++i) mm(w.P[i], w.P[i - 1], w.P[1]);
  // B_k = Σ_{i<q} c_{kq+i} X^i; Horner in X^q over k.
  auto chunk = [&](int k, Mat& out) {
    out.setIdentity();
    out *= inv_factorial<S>(k * q);
    for (int i = 1; i < q && k * q + i <= m; ++i) out += inv_factorial<S>(k * q + i) * w.P[i];
  };
  int r = m / q;
  int k;
  if (m % q == 0) {
    chunk(r - 1, w.acc);
    w.acc += inv_factorial<S>(m) * w.P[q];
    k = r - 2;
  } else {
    chunk(r, w.acc);
    k = r - 1;
  }
  for (; k >= 0; --k) {
    chunk(k, w.B);
    mm(w.tmp, w.P[q], w.acc);
    w.acc = w.B + w.tmp;
  }
  (void)n;
  for (int j = 0; j < p.s; ++j) {
    mm(w.tmp, w.acc, w.acc);
    w.acc.swap(w.tmp);
  }
  E = w.acc;
}

// R = exp(X) and Lo = L(X, Edir) (the Fréchet derivative of exp at X in direction Edir).
template <class Mat>
void taylor_exp_frechet(const Mat& X, const Mat& Edir, const Plan& p, Mat& R, Mat& Lo, Work<Mat>& w) {
  using S = typename Mat::Scalar;
  const S scale = std::ldexp(S(1), -p.s);
  const int m = p.m, q = p.q;
  w.P[1] = X * scale;
  w.D[1] = Edir * scale;
  for (int i = 2; i <= q; ++i) {
    mm(w.P[i], w.P[i - 1], w.P[1]);
    mm(w.D[i], w.P[i - 1], w.D[1]);
    mm_add(w.D[i], w.D[i - 1], w.P[1]);
  }
  auto chunk = [&](int k, Mat& out, Mat& dout) {
    out.setIdentity();
    out *= inv_factorial<S>(k * q);
    dout.setZero();
    for (int i = 1; i < q && k * q + i <= m; ++i) {
      out += inv_factorial<S>(k * q + i) * w.P[i];
      dout += inv_factorial<S>(k * q + i) * w.D[i];
    }
  };
  int r = m / q;
  int k;
  if (m % q == 0) {
    chunk(r - 1, w.acc, w.dacc);
    w.acc += inv_factorial<S>(m) * w.P[q];
    w.dacc += inv_factorial<S>(m) * w.D[q];
    k = r - 2;
  } else {
    chunk(r, w.acc, w.dacc);
    k = r - 1;
  }
  for (; k >= 0; --k) {
    chunk(k, w.B, w.dB);
    // (acc, dacc) ← (B, dB) + (Xq, Dq)·(acc, dacc)
    mm(w.tmp2, w.D[q], w.acc);
    mm_add(w.tmp2, w.P[q], w.dacc);
    mm(w.tmp, w.P[q], w.acc);
    w.acc = w.B + w.tmp;
    w.dacc = w.dB + w.tmp2;
  }
  for (int j = 0; j < p.s; ++j) {
    mm(w.tmp2, w.acc, w.dacc);
    mm_add(w.tmp2, w.dacc, w.acc);
    w.dacc.swap(w.tmp2);
    mm(w.tmp, w.acc, w.acc);
    w.acc.swap(w.tmp);
  }
  R = w.acc;
  Lo = w.dacc;
}

}  // namespace udlab::expm
