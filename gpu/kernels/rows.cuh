// Row-structured launchers: bias, embedding, LayerNorm, fused softmax cross-entropy. Plain
// declarations over raw device pointers. Scratch sizes are given by the *_scratch_bytes helpers so the
// caller (a .cpp holding the CudaContext) provides the temporary memory.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace udlab::gpu {

// Bytes of scratch needed by the deterministic column reductions over M rows and N columns.
size_t column_sum_scratch_bytes(int M, int N);

void launch_add_row_bias(float* Y, const float* b, int M, int N, cudaStream_t s);
void launch_row_bias_grad(const float* dY, float* db, int M, int N, void* scratch, cudaStream_t s);

void launch_embedding_fwd(const float* table, const int32_t* idx, float* out, int M, int E, cudaStream_t s);
// deterministic: one thread per column walks the rows in order (no atomics; same order as the CPU).
// Otherwise atomicAdd per element: fast, but the summation order of repeated indices varies.
void launch_embedding_bwd(const float* dout, const int32_t* idx, float* dtable, int M, int E, bool deterministic,
                          cudaStream_t s);

void launch_layernorm_fwd(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                          int M, int N, float eps, cudaStream_t s);
void launch_layernorm_bwd(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                          float* dx, float* dgamma, float* dbeta, int M, int N, void* scratch, cudaStream_t s);

// Fused softmax cross-entropy. Writes three doubles {loss_sum, weight_sum, correct} to `result`
// (device memory) and dlogits when non-null. `scratch` needs xent_scratch_bytes(M).
size_t xent_scratch_bytes(int M);
void launch_softmax_xent(const float* logits, const int32_t* targets, const float* weights, float* dlogits, int M,
                         int V, double grad_scale, void* scratch, double* result, cudaStream_t s);

}  // namespace udlab::gpu
