// Elementwise launchers (activations, BLAS-1, fused AdamW). Plain declarations: raw device pointers
// and sizes, no Eigen, no core types, so both .cu and .cpp files may include this.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>

namespace udlab::gpu {

void launch_gelu_fwd(const float* x, float* y, size_t n, cudaStream_t s);
void launch_gelu_bwd(const float* x, const float* dy, float* dx, size_t n, cudaStream_t s);
void launch_sigmoid_fwd(const float* x, float* y, size_t n, cudaStream_t s);
void launch_tanh_fwd(const float* x, float* y, size_t n, cudaStream_t s);
void launch_axpy(float a, const float* x, float* y, size_t n, cudaStream_t s);
void launch_scale(float* x, float a, size_t n, cudaStream_t s);
void launch_mul(const float* a, const float* b, float* y, size_t n, cudaStream_t s);
void launch_mul_acc(const float* a, const float* b, float* y, size_t n, cudaStream_t s);
// C[M,N] (row stride ldc) *= beta, or = 0 when beta == 0 (so NaNs in C do not survive, as in BLAS).
void launch_scale_matrix(float* C, int M, int N, int ldc, float beta, cudaStream_t s);
// One fused pass: moments and parameter updated together, same float formula as the CPU twin.
void launch_adamw(float* p, const float* g, float* m, float* v, size_t n, float lr, float b1, float b2,
                  float eps, float wd, float inv_bc1, float inv_bc2, cudaStream_t s);

}  // namespace udlab::gpu
