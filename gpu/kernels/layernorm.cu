// LayerNorm over the last dimension: one block per row for the statistics and dx; parameter gradients
// through the deterministic column sums.
#include "gpu/kernels/column_sum.cuh"
#include "gpu/kernels/rows.cuh"

namespace udlab::gpu {
namespace {

constexpr int kLnThreads = 128;

// Two passes (mean, then centred variance) keep float accuracy close to the CPU's double sums.
__global__ void layernorm_fwd_kernel(const float* x, const float* gamma, const float* beta, float* y, float* mean,
                                     float* rstd, int N, float eps) {
  __shared__ float shm[32];
  const float* xr = x + size_t(blockIdx.x) * N;
  float* yr = y + size_t(blockIdx.x) * N;
  float s = 0.0f;
  for (int n = threadIdx.x; n < N; n += blockDim.x) s += xr[n];
  float mu = block_sum(s, shm) / N;
  float q = 0.0f;
  for (int n = threadIdx.x; n < N; n += blockDim.x) {
    float d = xr[n] - mu;
    q += d * d;
  }
  float var = block_sum(q, shm) / N;
  float rs = 1.0f / sqrtf(var + eps);
  if (threadIdx.x == 0) {
    mean[blockIdx.x] = mu;
    rstd[blockIdx.x] = rs;
  }
  for (int n = threadIdx.x; n < N; n += blockDim.x) yr[n] = (xr[n] - mu) * rs * gamma[n] + beta[n];
}

__global__ void layernorm_dx_kernel(const float* dy, const float* x, const float* gamma, const float* mean,
                                    const float* rstd, float* dx, int N) {
  __shared__ float shm[32];
  size_t off = size_t(blockIdx.x) * N;
  float mu = mean[blockIdx.x], rs = rstd[blockIdx.x];
  float sg = 0.0f, sgx = 0.0f;
  for (int n = threadIdx.x; n < N; n += blockDim.x) {
    float g = dy[off + n] * gamma[n];
    sg += g;
    sgx += g * (x[off + n] - mu) * rs;
  }
  sg = block_sum(sg, shm) / N;
  sgx = block_sum(sgx, shm) / N;
  for (int n = threadIdx.x; n < N; n += blockDim.x) {
    float xh = (x[off + n] - mu) * rs;
    dx[off + n] = rs * (dy[off + n] * gamma[n] - sg - xh * sgx);
  }
}

struct DyTimesXhat {
  const float* dy; const float* x; const float* mean; const float* rstd; int N;
  __device__ float operator()(int m, int n) const {
    size_t i = size_t(m) * N + n;
    return dy[i] * ((x[i] - mean[m]) * rstd[m]);
  }
};
struct Dy {
  const float* dy; int N;
  __device__ float operator()(int m, int n) const { return dy[size_t(m) * N + n]; }
};

}  // namespace

void launch_layernorm_fwd(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                          int M, int N, float eps, cudaStream_t s) {
  if (M <= 0 || N <= 0) return;
  layernorm_fwd_kernel<<<M, kLnThreads, 0, s>>>(x, gamma, beta, y, mean, rstd, N, eps);
  launch_check("layernorm_fwd");
}

void launch_layernorm_bwd(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                          float* dx, float* dgamma, float* dbeta, int M, int N, void* scratch, cudaStream_t s) {
  if (M <= 0 || N <= 0) return;
  layernorm_dx_kernel<<<M, kLnThreads, 0, s>>>(dy, x, gamma, mean, rstd, dx, N);
  launch_check("layernorm_bwd (dx)");
  float* partial = static_cast<float*>(scratch);
  column_sum_acc(DyTimesXhat{dy, x, mean, rstd, N}, M, N, partial, dgamma, s, "layernorm_bwd (dgamma)");
  column_sum_acc(Dy{dy, N}, M, N, partial, dbeta, s, "layernorm_bwd (dbeta)");
}

}  // namespace udlab::gpu
