// Internal: skew-symmetric projections on real row-major matrices, alias-safe (X may equal Y).
#pragma once
#include <cstddef>
#include <vector>

namespace udlab::skew {

// One tile of the transpose below: dst[j][i] = scale·src[i][j] for i < ni, j < nj (compile-time bounds
// when NI, NJ > 0, so the loops unroll into vector loads and stores).
template <int NI, int NJ, class S>
inline void transpose_tile(const S* src, int lds, S* dst, int ldd, S scale, int ni, int nj) {
  constexpr int T = 8;
  if constexpr (NI > 0) ni = NI;
  if constexpr (NJ > 0) nj = NJ;
  S a[T][T];
  for (int i = 0; i < ni; ++i)
    for (int j = 0; j < nj; ++j) a[i][j] = src[size_t(i) * lds + j];
  for (int j = 0; j < nj; ++j)
    for (int i = 0; i < ni; ++i) dst[size_t(j) * ldd + i] = scale * a[i][j];
}

// dst (n×n, row stride ldd) = scale·srcᵀ (row stride lds), in 8×8 tiles; src and dst must not overlap.
template <class S>
inline void transpose_scaled(int n, const S* src, int lds, S* dst, int ldd, S scale) {
  constexpr int T = 8;
  for (int i0 = 0; i0 < n; i0 += T)
    for (int j0 = 0; j0 < n; j0 += T) {
      const int ni = n - i0 < T ? n - i0 : T, nj = n - j0 < T ? n - j0 : T;
      const S* s = src + size_t(i0) * lds + j0;
      S* d = dst + size_t(j0) * ldd + i0;
      if (ni == T && nj == T) transpose_tile<T, T>(s, lds, d, ldd, scale, T, T);
      else transpose_tile<0, 0>(s, lds, d, ldd, scale, ni, nj);
    }
}

// Y = (X − Xᵀ)/2, alias-safe (X == Y is fine): Xᵀ into a per-thread copy first, then one pass along rows
// (the old pair-by-pair loop cost as much as an 8×8 product, perf at d = 8, issue 15).
template <class S>
inline void project_dense(int n, const S* X, S* Y) {
  thread_local std::vector<S> t;
  const size_t nn = size_t(n) * n;
  if (t.size() < nn) t.resize(nn);
  transpose_scaled(n, X, n, t.data(), n, S(1));
  const S* __restrict tt = t.data();
  if (X == Y) {  // one pointer, so the loop vectorises without an overlap check
    for (size_t e = 0; e < nn; ++e) Y[e] = (Y[e] - tt[e]) * S(0.5);
    return;
  }
  const S* __restrict x = X;
  S* __restrict y = Y;
  for (size_t e = 0; e < nn; ++e) y[e] = (x[e] - tt[e]) * S(0.5);
}

// Skew part of each diagonal b×b block, zero elsewhere.
template <class S>
inline void project_blocks(int n, int b, const S* X, S* Y) {
  for (int i = 0; i < n; ++i) {
    int i0 = i / b * b;
    for (int j = 0; j < n; ++j) {
      if (j < i0 || j >= i0 + b) Y[size_t(i) * n + j] = S(0);
    }
  }
  for (int i0 = 0; i0 < n; i0 += b)
    for (int i = i0; i < i0 + b; ++i) {
      Y[size_t(i) * n + i] = S(0);
      for (int j = i + 1; j < i0 + b; ++j) {
        S v = (X[size_t(i) * n + j] - X[size_t(j) * n + i]) / S(2);
        Y[size_t(i) * n + j] = v;
        Y[size_t(j) * n + i] = -v;
      }
    }
}

}  // namespace udlab::skew
