// Small products of kLanes matrices at once, in lane-interleaved ("compact") layout: entry (i, j) of the
// kLanes matrices of a block lies in kLanes consecutive scalars, so one vector operation advances every
// matrix of the block and nothing is ever done per matrix (issue 15). At small n the per-matrix path pays
// per call (kernel entry, Taylor chunk sums on 144 floats, transposes, norms) about as much as the
// products themselves; here a transpose is a change of strides and a chunk sum one flat pass over
// kLanes·n² scalars. Used by the group-rnn recurrence at n ≤ 14 (cpu_group_rnn_lanes.h). Written with GCC
// vector extensions: an entry is one zmm register in the AVX-512 copies of the CPU ops, the only ones that
// run it (the other copies compile it, and split an entry into narrower registers).
#pragma once
#include <cstddef>
#include <cstring>

#include "core/groups/skew.h"
#include "core/groups/small_mm.h"

// The vector types never cross a non-inline boundary (every function taking or returning one is an inline
// template of the including file), so the ABI note GCC gives for the narrower ISA copies does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace udlab::lanes {

inline constexpr int kLanes = 16;

// Whether the interleaved paths run (where they apply). From UDLAB_GROUP_LANES ("0": off) at start;
// tests and benchmarks flip it to compare the two paths in one process. Defined once in lanes_mm.cpp, so
// that every ISA copy of the CPU ops reads the same flag.
bool& enabled();

template <class S>
struct VecOf;
template <>
struct VecOf<float> {
  typedef float type __attribute__((vector_size(kLanes * sizeof(float))));
};
template <>
struct VecOf<double> {
  typedef double type __attribute__((vector_size(kLanes * sizeof(double))));
};
template <class S>
using Vec = typename VecOf<S>::type;

template <class S>
inline Vec<S> load(const S* p) {
  Vec<S> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class S>
inline void store(S* p, Vec<S> v) {
  std::memcpy(p, &v, sizeof v);
}
template <class S>
inline Vec<S> splat(S s) {
  return Vec<S>{} + s;
}
template <class S>
inline Vec<S> vabs(Vec<S> v) {
  return v < 0 ? -v : v;
}
template <class S>
inline Vec<S> vmax(Vec<S> a, Vec<S> b) {
  return a > b ? a : b;
}

// Strides of an operand in entries (each entry is kLanes scalars): entry (r, c) at (r·row + c·col)·kLanes.
// A transposed operand is the same storage with the strides swapped.
struct Strides {
  int row, col;
  Strides t() const { return {col, row}; }
};

// Accumulators per register tile: IB rows × JB columns of entries. With 32 vector registers (AVX-512) a
// float entry is one register and 2 × 8 tiles keep 16 accumulators; narrower ISAs split an entry into 2 or
// 4 registers, so the tile shrinks to stay out of the stack.
#if defined(__AVX512F__)
inline constexpr int kRegBytes = 64, kRegs = 32;
#elif defined(__AVX__)
inline constexpr int kRegBytes = 32, kRegs = 16;
#else
inline constexpr int kRegBytes = 16, kRegs = 16;
#endif

template <class S>
inline constexpr int kRegsPerEntry = int(kLanes * sizeof(S)) / kRegBytes;

// C (M×N entries) = or += Σ_k A(i, k)·B(k, j), K terms; with shared_a, A holds one scalar per entry (the
// same matrix for every lane, strides in scalars) and is broadcast. Rows i0.., IB at a time, columns j0..
template <class S, int IB, int JB, bool SharedA>
inline void tile(int K, const S* A, Strides sa, const S* B, Strides sb, S* C, Strides sc, int i0, int j0, bool acc) {
  constexpr int L = kLanes;
  Vec<S> c[IB][JB];
#pragma GCC unroll 8
  for (int ii = 0; ii < IB; ++ii)
#pragma GCC unroll 8
    for (int jj = 0; jj < JB; ++jj)
      c[ii][jj] = acc ? load(C + (size_t(i0 + ii) * sc.row + size_t(j0 + jj) * sc.col) * L) : Vec<S>{};
  for (int k = 0; k < K; ++k) {
    Vec<S> a[IB];
#pragma GCC unroll 8
    for (int ii = 0; ii < IB; ++ii) {
      const size_t o = size_t(i0 + ii) * sa.row + size_t(k) * sa.col;
      a[ii] = SharedA ? splat(A[o]) : load(A + o * L);
    }
    const S* b = B + (size_t(k) * sb.row + size_t(j0) * sb.col) * L;
#pragma GCC unroll 8
    for (int jj = 0; jj < JB; ++jj) {
      const Vec<S> bv = load(b + size_t(jj) * sb.col * L);
#pragma GCC unroll 8
      for (int ii = 0; ii < IB; ++ii) c[ii][jj] += a[ii] * bv;
    }
  }
#pragma GCC unroll 8
  for (int ii = 0; ii < IB; ++ii)
#pragma GCC unroll 8
    for (int jj = 0; jj < JB; ++jj) store(C + (size_t(i0 + ii) * sc.row + size_t(j0 + jj) * sc.col) * L, c[ii][jj]);
}

// One column block j0 … j0 + JB − 1 of C, all rows: the K × JB entries of B stay in L1 while A streams.
template <class S, int IB, int JB, bool SharedA>
inline void cols(int M, int K, const S* A, Strides sa, const S* B, Strides sb, S* C, Strides sc, int j0, bool acc) {
  int i = 0;
  for (; i + IB <= M; i += IB) tile<S, IB, JB, SharedA>(K, A, sa, B, sb, C, sc, i, j0, acc);
  if constexpr (IB > 1)
    for (; i < M; ++i) tile<S, 1, JB, SharedA>(K, A, sa, B, sb, C, sc, i, j0, acc);
}

// C (M×N) = or += A (M×K)·B (K×N) for all kLanes matrices of the block; C must not alias A or B. Counts
// its 2·M·N·K·kLanes flops for bench.
template <class S, bool SharedA = false>
void gemm(int M, int N, int K, const S* A, Strides sa, const S* B, Strides sb, S* C, Strides sc, bool acc) {
  constexpr int R = kRegsPerEntry<S> > 0 ? kRegsPerEntry<S> : 1;
  constexpr int JB = kRegs / R >= 24 ? 8 : kRegs / R >= 12 ? 4 : 2;
  constexpr int IB = kRegs / R >= 24 ? 2 : 1;
  int j = 0;
  for (; j + JB <= N; j += JB) cols<S, IB, JB, SharedA>(M, K, A, sa, B, sb, C, sc, j, acc);
  if constexpr (JB > 4)
    for (; j + 4 <= N; j += 4) cols<S, 2 * IB, 4, SharedA>(M, K, A, sa, B, sb, C, sc, j, acc);
  if constexpr (JB > 2)
    for (; j + 2 <= N; j += 2) cols<S, 2 * IB, 2, SharedA>(M, K, A, sa, B, sb, C, sc, j, acc);
  for (; j < N; ++j) cols<S, 2 * IB, 1, SharedA>(M, K, A, sa, B, sb, C, sc, j, acc);
  smm::count_flops(2ull * M * N * K * kLanes);
}

// Square n×n blocks stored contiguously (strides {n, 1}).
inline Strides dense(int n) { return {n, 1}; }

// Block layout ↔ lanes: the kLanes matrices src[l] (each `len` scalars apart, row-major) into
// dst[e·kLanes + l], and back: a kLanes × len transpose, in 8×8 tiles (in AVX registers for float).
static_assert(kLanes % 8 == 0);
template <class S>
inline void to_lanes(const S* src, size_t len, S* dst) {
  for (size_t e0 = 0; e0 < len; e0 += 8) {
    const size_t ne = len - e0 < 8 ? len - e0 : 8;
    for (int l0 = 0; l0 < kLanes; l0 += 8)
      if (ne == 8) skew::transpose_tile<8, 8>(src + l0 * len + e0, int(len), dst + e0 * kLanes + l0, kLanes, S(1), 8, 8);
      else skew::transpose_tile<8, 0>(src + l0 * len + e0, int(len), dst + e0 * kLanes + l0, kLanes, S(1), 8, int(ne));
  }
}
template <class S>
inline void from_lanes(const S* src, size_t len, S* dst) {
  for (size_t e0 = 0; e0 < len; e0 += 8) {
    const size_t ne = len - e0 < 8 ? len - e0 : 8;
    for (int l0 = 0; l0 < kLanes; l0 += 8)
      if (ne == 8) skew::transpose_tile<8, 8>(src + e0 * kLanes + l0, kLanes, dst + l0 * len + e0, int(len), S(1), 8, 8);
      else skew::transpose_tile<0, 8>(src + e0 * kLanes + l0, kLanes, dst + l0 * len + e0, int(len), S(1), int(ne), 8);
  }
}

}  // namespace udlab::lanes
