// Row-major GEMMs on column-major cuBLAS. A row-major matrix with row stride ld is, in memory, its own
// transpose in column-major with leading dimension ld; so C = op(A) op(B) is computed as
// C^T = op(B)^T op(A)^T: B goes first with its own transpose flag, and M and N swap.
#pragma once
#include <cublas_v2.h>

#include "gpu/cuda_check.h"

namespace udlab::gpu {

// C[M,N] = alpha op(A) op(B) + beta C for `count` matrices spaced by the given element strides.
inline void gemm_rowmajor_batched(cublasHandle_t h, bool ta, bool tb, int M, int N, int K, float alpha, const float* A,
                                  int lda, long long sA, const float* B, int ldb, long long sB, float beta, float* C,
                                  int ldc, long long sC, int count, const char* what) {
  cublasOperation_t opA = ta ? CUBLAS_OP_T : CUBLAS_OP_N, opB = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (count == 1)
    cublas_check(cublasSgemm(h, opB, opA, N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc), what);
  else
    cublas_check(cublasSgemmStridedBatched(h, opB, opA, N, M, K, &alpha, B, ldb, sB, A, lda, sA, &beta, C, ldc, sC,
                                           count),
                 what);
}

}  // namespace udlab::gpu
