// One block per score row: the row's max and sum are block reductions (fixed order, deterministic).
#include "gpu/cuda_check.h"
#include "gpu/kernels/attention.cuh"
#include "gpu/kernels/common.cuh"

namespace udlab::gpu {
namespace {

constexpr int kRowThreads = 128;

__device__ inline float block_max(float v, float* shm) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  for (int off = 16; off > 0; off >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, off));
  __syncthreads();
  if (lane == 0) shm[warp] = v;
  __syncthreads();
  v = (threadIdx.x < nwarps) ? shm[lane] : -INFINITY;
  if (warp == 0)
    for (int off = 16; off > 0; off >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, off));
  if (threadIdx.x == 0) shm[0] = v;
  __syncthreads();
  return shm[0];
}

__global__ void causal_softmax_kernel(float* att, int T) {
  __shared__ float shm[32];
  float* row = att + size_t(blockIdx.x) * T;
  const int i = int(blockIdx.x % T);
  float mx = -INFINITY;
  for (int j = threadIdx.x; j <= i; j += blockDim.x) mx = fmaxf(mx, row[j]);
  mx = block_max(mx, shm);
  float s = 0.0f;
  for (int j = threadIdx.x; j <= i; j += blockDim.x) {
    float e = expf(row[j] - mx);
    row[j] = e;
    s += e;
  }
  const float inv = 1.0f / block_sum(s, shm);
  for (int j = threadIdx.x; j < T; j += blockDim.x) row[j] = j <= i ? row[j] * inv : 0.0f;
}

__global__ void causal_softmax_bwd_kernel(const float* att, float* ds, int T, float scale) {
  __shared__ float shm[32];
  const float* a = att + size_t(blockIdx.x) * T;
  float* g = ds + size_t(blockIdx.x) * T;
  const int i = int(blockIdx.x % T);
  float dot = 0.0f;
  for (int j = threadIdx.x; j <= i; j += blockDim.x) dot += a[j] * g[j];
  dot = block_sum(dot, shm);
  for (int j = threadIdx.x; j < T; j += blockDim.x) g[j] = j <= i ? scale * a[j] * (g[j] - dot) : 0.0f;
}

// y[r, e] = x[r, 0, e] + x[r, 1, e] + ...: heads summed in order, as the CPU twin.
__global__ void sum_heads_fwd_kernel(const float* x, float* y, int H, int D, size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x) {
    size_t r = k / D, e = k % D;
    const float* xr = x + r * H * D + e;
    float s = xr[0];
    for (int h = 1; h < H; ++h) s += xr[size_t(h) * D];
    y[k] = s;
  }
}

__global__ void sum_heads_bwd_kernel(const float* dy, float* dx, int H, int D, size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x) {
    size_t e = k % D, r = k / (size_t(H) * D);
    dx[k] = dy[r * D + e];
  }
}

}  // namespace

void launch_causal_softmax(float* att, long long rows, int T, cudaStream_t s) {
  if (rows <= 0 || T <= 0) return;
  causal_softmax_kernel<<<unsigned(rows), kRowThreads, 0, s>>>(att, T);
  launch_check("causal softmax");
}

void launch_causal_softmax_bwd(const float* att, float* ds, long long rows, int T, float scale, cudaStream_t s) {
  if (rows <= 0 || T <= 0) return;
  causal_softmax_bwd_kernel<<<unsigned(rows), kRowThreads, 0, s>>>(att, ds, T, scale);
  launch_check("causal softmax backward");
}

void launch_sum_heads_fwd(const float* x, float* y, int R, int H, int D, cudaStream_t s) {
  size_t total = size_t(R) * size_t(D);
  if (!total || H <= 0) return;
  sum_heads_fwd_kernel<<<grid_for(total), kThreads, 0, s>>>(x, y, H, D, total);
  launch_check("sum_heads_fwd");
}

void launch_sum_heads_bwd(const float* dy, float* dx, int R, int H, int D, cudaStream_t s) {
  size_t total = size_t(R) * size_t(H) * size_t(D);
  if (!total) return;
  sum_heads_bwd_kernel<<<grid_for(total), kThreads, 0, s>>>(dy, dx, H, D, total);
  launch_check("sum_heads_bwd");
}

}  // namespace udlab::gpu
