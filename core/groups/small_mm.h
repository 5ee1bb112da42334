// The small dense products of the group kernels (issue 15): C = op(A)·B or C += op(A)·B for row-major
// blocks with M, N, K from 1 to ~128, one code path for every size. With libxsmm (Debian libxsmm-dev),
// each shape gets a JIT-generated, register-blocked kernel; measured on the 2-core AVX-512 Xeon it runs
// 2–10× Eigen's lazy product and 1.5–4× Eigen's blocked GEMM at n = 8..128 (docs/groups.md), with no
// cliffs between sizes. Without libxsmm (UDLAB_HAVE_LIBXSMM undefined) Eigen's product is used.
// Kernels are looked up once per shape and thread (a small thread-local cache), so a call costs a few
// nanoseconds more than the arithmetic.
#pragma once
#include <cstdint>

namespace udlab::smm {

// C[M,N] (=, or += with acc) op(A)[M,K] · op(B)[K,N]; row-major with leading dimensions lda, ldb, ldc.
// ta: A is stored K×M and op(A) = Aᵀ; tb: B is stored N×K and op(B) = Bᵀ (copied to a transposed
// scratch first: O(n²) next to the O(n³) product). C must not alias A or B.
// count = false: the caller counts its flops itself (the dense GEMMs).
template <class S>
void gemm(int M, int N, int K, bool ta, bool tb, const S* A, int lda, const S* B, int ldb, bool acc, S* C, int ldc,
          bool count = true);

// One product shape looked up once: C (=, or += with acc) op(A)·B, op(A) = Aᵀ with ta, fixed sizes and
// row strides. For loops that run one shape thousands of times (the exp's polynomial, the recurrence),
// where gemm's per-call shape lookup costs as much as an 8×8 product. Counts 2·M·N·K per call, like gemm.
template <class S>
class Kernel {
 public:
  Kernel() = default;
  Kernel(int M, int N, int K, bool ta, int lda, int ldb, bool acc, int ldc);
  void operator()(const S* A, const S* B, S* C) const;

 private:
  using Fn = void (*)(const S*, const S*, S*, ...);
  Fn fn_ = nullptr;  // nullptr: Eigen's product
  int M_ = 0, N_ = 0, K_ = 0, lda_ = 0, ldb_ = 0, ldc_ = 0;
  bool ta_ = false, acc_ = false;
};

// Square n×n contiguous shorthand.
template <class S>
inline void mm(int n, const S* A, const S* B, S* C, bool acc = false, bool ta = false, bool tb = false) {
  gemm<S>(n, n, n, ta, tb, A, n, B, n, acc, C, n);
}

// Flop counter for bench (docs/groups.md): every gemm adds 2·M·N·K to its thread's counter; other ops
// may add what they do with count_flops. total_flops() is the sum over all threads since start.
void count_flops(std::uint64_t flops);
std::uint64_t total_flops();

// "libxsmm 1.17" or "eigen": what gemm runs on.
const char* backend_name();

}  // namespace udlab::smm
