// Internal: skew-symmetric projections on real row-major matrices, alias-safe (X may equal Y).
#pragma once
#include <cstddef>

namespace udlab::skew {

// Y = (X − Xᵀ)/2, alias-safe (X == Y is fine). In 8×8 tiles: each tile pair (I, J), (J, I) is read
// into local copies before either is written, so both loops run along rows and vectorise; the old
// pair-by-pair loop cost as much as an 8×8 product (perf, issue 15).
template <class S>
inline void project_dense(int n, const S* X, S* Y) {
  constexpr int T = 8;
  if (n == T) {  // d = 8: the one tile with compile-time bounds
    S a[T][T];
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j) a[i][j] = X[i * T + j];
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j) Y[i * T + j] = (a[i][j] - a[j][i]) * S(0.5);
    return;
  }
  S a[T][T], b[T][T];
  for (int i0 = 0; i0 < n; i0 += T)
    for (int j0 = i0; j0 < n; j0 += T) {
      const int ni = n - i0 < T ? n - i0 : T, nj = n - j0 < T ? n - j0 : T;
      for (int i = 0; i < ni; ++i)
        for (int j = 0; j < nj; ++j) a[i][j] = X[size_t(i0 + i) * n + j0 + j];
      for (int j = 0; j < nj; ++j)
        for (int i = 0; i < ni; ++i) b[j][i] = X[size_t(j0 + j) * n + i0 + i];
      for (int i = 0; i < ni; ++i)
        for (int j = 0; j < nj; ++j) Y[size_t(i0 + i) * n + j0 + j] = (a[i][j] - b[j][i]) * S(0.5);
      if (j0 != i0)
        for (int j = 0; j < nj; ++j)
          for (int i = 0; i < ni; ++i) Y[size_t(j0 + j) * n + i0 + i] = (b[j][i] - a[i][j]) * S(0.5);
    }
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
