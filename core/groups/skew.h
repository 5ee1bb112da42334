// Internal: skew-symmetric projections on real row-major matrices, alias-safe (X may equal Y).
#pragma once
#include <cstddef>

namespace udlab::skew {

// Y = (X − Xᵀ)/2. Each pair (i, j), (j, i) is read before either is written, so X == Y is fine.
template <class S>
inline void project_dense(int n, const S* X, S* Y) {
  for (int i = 0; i < n; ++i) {
    Y[size_t(i) * n + i] = S(0);
    for (int j = i + 1; j < n; ++j) {
      S v = (X[size_t(i) * n + j] - X[size_t(j) * n + i]) / S(2);
      Y[size_t(i) * n + j] = v;
      Y[size_t(j) * n + i] = -v;
    }
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
