// LRU launchers: the diagonal complex recurrence x_t = λ x_{t-1} + in_t (and its adjoint) as a chunked
// parallel scan, plus the eigenvalue, γ and skip kernels. Contracts: core/backend/lru_ops.h. Complex
// tensors are (re, im) planes of [B,T,N], channel fastest. Plain declarations over raw pointers.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>

namespace udlab::gpu {

void launch_lru_lambda(const float* nu_log, const float* theta_log, float* lam_re, float* lam_im, int N,
                       cudaStream_t s);

// chunk <= 0 (or >= T) runs one sequential loop per (sequence, channel); otherwise the three-phase
// chunked scan of the CPU twin (local scans, carry pass with λ^chunk, carry·λ^{j+1} fix-up).
size_t lru_scan_scratch_bytes(int B, int T, int N, int chunk);
void launch_lru_scan(const float* lam_re, const float* lam_im, const float* in_re, const float* in_im, float* x_re,
                     float* x_im, int B, int T, int N, bool reverse, int chunk, void* scratch, cudaStream_t s);

// scratch: N floats.
void launch_lru_gamma_scale(const float* gamma_log, float* re, float* im, int M, int N, void* scratch,
                            cudaStream_t s);

// scratch: lru_lambda_grad_scratch_bytes(B, N).
size_t lru_lambda_grad_scratch_bytes(int B, int N);
void launch_lru_lambda_grad(const float* nu_log, const float* theta_log, const float* lam_re, const float* lam_im,
                            const float* x_re, const float* x_im, const float* d_re, const float* d_im, int B, int T,
                            int N, float* dnu_log, float* dtheta_log, void* scratch, cudaStream_t s);

// Column reductions in double (same 64-row blocks as the CPU twin); scratch: lru_colsum_scratch_bytes.
size_t lru_colsum_scratch_bytes(int M, int N);
void launch_lru_gamma_grad(const float* b_re, const float* b_im, const float* d_re, const float* d_im, int M, int N,
                           float* dgamma_log, void* scratch, cudaStream_t s);
void launch_lru_skip_fwd(const float* D, const float* u, float* y, int M, int H, cudaStream_t s);
void launch_lru_skip_bwd(const float* D, const float* u, const float* g, float* du, float* dD, int M, int H,
                         void* scratch, cudaStream_t s);
void launch_lru_row_norms(const float* re, const float* im, int M, int N, float* out, cudaStream_t s);

}  // namespace udlab::gpu
