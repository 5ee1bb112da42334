// The one GEMM shape of a recurrent step, C[R,N] += A[R,K] · Bm[K,N] with few rows (R = one thread's
// block of sequences, ~16) and a weight Bm that is the same for all T steps. Eigen re-packs the whole
// weight on every call, which at R = 16 costs about as much as the arithmetic. Here the weight is
// packed once per layer call (PackedB) into contiguous column panels, and an AVX-512 kernel keeps an
// 8-row × 48-column tile of C in registers while streaming a panel. Other builds and double use
// Eigen on the plain row-major copy.
#pragma once
#include <Eigen/Core>
#include <algorithm>
#include <type_traits>
#include <vector>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace udlab::cpu {

template <class S>
using SgRowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class S>
constexpr bool kPanelKernel =
#if defined(__AVX512F__)
    std::is_same_v<S, float>;
#else
    false;
#endif

// Bm[K,N] ready for small_gemm_acc. With the panel kernel: for each tile of 48 columns (the last one
// 16 or 32 wide), a contiguous [K, width] block, zero-padded past N. Otherwise: Bm row-major.
template <class S>
struct PackedB {
  int K = 0, N = 0;
  std::vector<S> data;

  // get(k, n) = Bm[k, n]; called once per element.
  template <class Get>
  void pack(int K_, int N_, Get get) {
    K = K_;
    N = N_;
    if constexpr (kPanelKernel<S>) {
      const int Np = (N + 15) / 16 * 16;
      data.assign(size_t(K) * Np, S(0));
      S* out = data.data();
      for (int n0 = 0; n0 < Np; n0 += 48) {
        const int w = std::min(48, Np - n0);
        for (int k = 0; k < K; ++k)
          for (int j = 0; j < w; ++j) out[size_t(k) * w + j] = n0 + j < N ? get(k, n0 + j) : S(0);
        out += size_t(K) * w;
      }
    } else {
      data.resize(size_t(K) * N);
      for (int k = 0; k < K; ++k)
        for (int n = 0; n < N; ++n) data[size_t(k) * N + n] = get(k, n);
    }
  }
};

#if defined(__AVX512F__)
// Rows [0,RT) × the NV·16 columns of one panel starting at column n0 of C; `last` masks the final
// vector's columns that lie past N.
template <int RT, int NV>
inline void panel_tile(const float* A, int lda, const float* panel, float* C, int ldc, int K, int n0, __mmask16 last) {
  __m512 acc[RT][NV];
  auto mask = [&](int v) { return v == NV - 1 ? last : __mmask16(0xFFFF); };
  for (int r = 0; r < RT; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_maskz_loadu_ps(mask(v), C + size_t(r) * ldc + n0 + 16 * v);
  for (int k = 0; k < K; ++k) {
    __m512 b[NV];
    for (int v = 0; v < NV; ++v) b[v] = _mm512_loadu_ps(panel + size_t(k) * 16 * NV + 16 * v);
    for (int r = 0; r < RT; ++r) {
      __m512 a = _mm512_set1_ps(A[size_t(r) * lda + k]);
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(a, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < RT; ++r)
    for (int v = 0; v < NV; ++v) _mm512_mask_storeu_ps(C + size_t(r) * ldc + n0 + 16 * v, mask(v), acc[r][v]);
}

template <int RT>
inline void panel_rows(const float* A, int lda, const PackedB<float>& Bp, float* C, int ldc) {
  const int K = Bp.K, N = Bp.N, Np = (N + 15) / 16 * 16;
  const float* panel = Bp.data.data();
  for (int n0 = 0; n0 < Np; n0 += 48) {
    const int w = std::min(48, Np - n0);
    const int valid = std::min(w, N - n0) - (w - 16);  // columns of the last vector inside N
    const __mmask16 last = __mmask16(valid >= 16 ? 0xFFFF : (1u << valid) - 1);
    if (w == 48) panel_tile<RT, 3>(A, lda, panel, C, ldc, K, n0, last);
    else if (w == 32) panel_tile<RT, 2>(A, lda, panel, C, ldc, K, n0, last);
    else panel_tile<RT, 1>(A, lda, panel, C, ldc, K, n0, last);
    panel += size_t(K) * w;
  }
}
#endif

// C[R,N] += A[R,K] · Bm[K,N], A and C row-major with leading dimensions lda, ldc.
template <class S>
inline void small_gemm_acc(const S* A, int lda, const PackedB<S>& Bp, S* C, int ldc, int R) {
#if defined(__AVX512F__)
  if constexpr (kPanelKernel<S>) {
    int r = 0;
    for (; r + 8 <= R; r += 8) panel_rows<8>(A + size_t(r) * lda, lda, Bp, C + size_t(r) * ldc, ldc);
    const float* Ar = A + size_t(r) * lda;
    float* Cr = C + size_t(r) * ldc;
    switch (R - r) {
      case 7: panel_rows<7>(Ar, lda, Bp, Cr, ldc); break;
      case 6: panel_rows<6>(Ar, lda, Bp, Cr, ldc); break;
      case 5: panel_rows<5>(Ar, lda, Bp, Cr, ldc); break;
      case 4: panel_rows<4>(Ar, lda, Bp, Cr, ldc); break;
      case 3: panel_rows<3>(Ar, lda, Bp, Cr, ldc); break;
      case 2: panel_rows<2>(Ar, lda, Bp, Cr, ldc); break;
      case 1: panel_rows<1>(Ar, lda, Bp, Cr, ldc); break;
      default: break;
    }
    return;
  }
#endif
  using Map = Eigen::Map<SgRowMat<S>, 0, Eigen::OuterStride<>>;
  using CMap = Eigen::Map<const SgRowMat<S>, 0, Eigen::OuterStride<>>;
  Map(C, R, Bp.N, Eigen::OuterStride<>(ldc)).noalias() +=
      CMap(A, R, Bp.K, Eigen::OuterStride<>(lda)) * CMap(Bp.data.data(), Bp.K, Bp.N, Eigen::OuterStride<>(Bp.N));
}

}  // namespace udlab::cpu
