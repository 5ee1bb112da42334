// Internal: the interleaved realification of complex matrices (see group.h). Complex entry (j, k) of a
// d×d matrix lives in the 2×2 block at rows 2j..2j+1, columns 2k..2k+1 of the real n×n (n = 2d) matrix
// as [[a, −b], [b, a]].
#pragma once
#include <complex>

namespace udlab::realify {

// The complex number a 2×2 block stands for, taking the nearest one (the orthogonal projection onto
// the realified complex numbers: a = (p + s)/2, b = (r − q)/2 for the block [[p, q], [r, s]]).
template <class S>
inline std::complex<S> get(const S* M, int n, int j, int k) {
  const S* r0 = M + size_t(2 * j) * n + 2 * k;
  const S* r1 = r0 + n;
  return {(r0[0] + r1[1]) / S(2), (r1[0] - r0[1]) / S(2)};
}

template <class S>
inline void put(S* M, int n, int j, int k, std::complex<S> z) {
  S* r0 = M + size_t(2 * j) * n + 2 * k;
  S* r1 = r0 + n;
  r0[0] = z.real();
  r0[1] = -z.imag();
  r1[0] = z.imag();
  r1[1] = z.real();
}

// Π for U(d): skew-Hermitian part of the complex matrix. X and Y may alias (each pair of blocks is
// read before it is written).
template <class S>
inline void project_u(int d, const S* X, S* Y) {
  const int n = 2 * d;
  for (int j = 0; j < d; ++j)
    for (int k = j; k < d; ++k) {
      std::complex<S> a = get(X, n, j, k), b = get(X, n, k, j);
      std::complex<S> y = (a - std::conj(b)) / S(2);
      put(Y, n, j, k, y);
      if (k != j) put(Y, n, k, j, -std::conj(y));
    }
}

// Snaps every block onto the realified complex numbers (a structure fix after rounding).
template <class S>
inline void fix_complex(int d, S* M) {
  const int n = 2 * d;
  for (int j = 0; j < d; ++j)
    for (int k = 0; k < d; ++k) put(M, n, j, k, get(M, n, j, k));
}

}  // namespace udlab::realify
