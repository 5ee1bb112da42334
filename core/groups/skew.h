// Internal: skew-symmetric projections on real row-major matrices, alias-safe (X may equal Y).
#pragma once
#include <cstddef>
#include <type_traits>
#include <vector>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace udlab::skew {

// Tiles of 8×8 with compile-time bounds for the full tiles and the 4-wide edges (n = 12, 20, 24, …), so
// the loops unroll into vector loads and stores; other edges take the run-time bounds.
template <class F>
inline void for_tile_shape(int ni, int nj, F&& f) {
  auto j = [&](auto I) {
    if (nj == 8) f(I, std::integral_constant<int, 8>{});
    else if (nj == 4) f(I, std::integral_constant<int, 4>{});
    else f(I, std::integral_constant<int, 0>{});
  };
  if (ni == 8) j(std::integral_constant<int, 8>{});
  else if (ni == 4) j(std::integral_constant<int, 4>{});
  else j(std::integral_constant<int, 0>{});
}

// One tile of the transpose below: dst[j][i] = scale·src[i][j] for i < ni, j < nj (NI, NJ > 0: fixed).
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

#if defined(__AVX__)
// A full 8×8 float tile in registers: unpack, shuffle, swap lanes (24 shuffles instead of 64 scalar
// loads and stores through the stack; the transposes were 5% of the samples at d = 12 and 24, issue 15).
template <>
inline void transpose_tile<8, 8, float>(const float* src, int lds, float* dst, int ldd, float scale, int, int) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + size_t(i) * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  const __m256 sc = _mm256_set1_ps(scale);
  for (int j = 0; j < 4; ++j) {
    _mm256_storeu_ps(dst + size_t(j) * ldd, _mm256_mul_ps(sc, _mm256_permute2f128_ps(r[j], r[j + 4], 0x20)));
    _mm256_storeu_ps(dst + size_t(j + 4) * ldd, _mm256_mul_ps(sc, _mm256_permute2f128_ps(r[j], r[j + 4], 0x31)));
  }
}
#endif

// dst (n×n, row stride ldd) = scale·srcᵀ (row stride lds), in 8×8 tiles; src and dst must not overlap.
template <class S>
inline void transpose_scaled(int n, const S* src, int lds, S* dst, int ldd, S scale) {
  constexpr int T = 8;
  for (int i0 = 0; i0 < n; i0 += T)
    for (int j0 = 0; j0 < n; j0 += T) {
      const int ni = n - i0 < T ? n - i0 : T, nj = n - j0 < T ? n - j0 : T;
      const S* s = src + size_t(i0) * lds + j0;
      S* d = dst + size_t(j0) * ldd + i0;
      for_tile_shape(ni, nj, [&](auto I, auto J) {
        transpose_tile<decltype(I)::value, decltype(J)::value>(s, lds, d, ldd, scale, ni, nj);
      });
    }
}

// Y (row stride ldy) = (X − Xᵀ)/2 (row stride ldx): Xᵀ into a per-thread copy first, then one pass along
// rows, a flat one when both are contiguous (alias-safe: X == Y is fine). (The pair-by-pair loop cost as
// much as an 8×8 product, perf at d = 8; pairs of 8×8 tiles combined in registers ran ×1.03 slower per step
// at d = 16 than this, issue 15.) With a strided X the Fréchet adjoint projects straight out of its work
// space, with no copy first.
template <class S>
inline void project_dense(int n, const S* X, int ldx, S* Y, int ldy) {
  thread_local std::vector<S> t;
  const size_t nn = size_t(n) * n;
  if (t.size() < nn) t.resize(nn);
  transpose_scaled(n, X, ldx, t.data(), n, S(1));
  const S* __restrict tt = t.data();
  if (X == Y && ldx == n && ldy == n) {  // one pointer, so the loop vectorises without an overlap check
    for (size_t e = 0; e < nn; ++e) Y[e] = (Y[e] - tt[e]) * S(0.5);
    return;
  }
  for (int i = 0; i < n; ++i) {
    const S* __restrict x = X + size_t(i) * ldx;
    const S* __restrict r = tt + size_t(i) * n;
    S* __restrict y = Y + size_t(i) * ldy;
    for (int j = 0; j < n; ++j) y[j] = (x[j] - r[j]) * S(0.5);
  }
}

template <class S>
inline void project_dense(int n, const S* X, S* Y) { project_dense(n, X, n, Y, n); }

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
