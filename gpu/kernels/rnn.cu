// Recurrent cells: one thread per (row, unit) owns all four gates of that unit, so the cell is a
// single pass with no inter-thread traffic. The sequential h W_hh^T product stays in cuBLAS.
#include "gpu/cuda_check.h"
#include "gpu/kernels/common.cuh"
#include "gpu/kernels/rnn.cuh"

namespace udlab::gpu {
namespace {

__device__ inline float sigm(float x) { return 1.0f / (1.0f + expf(-x)); }

__global__ void lstm_fwd_kernel(float* gates, const float* c_prev, float* c, float* tanh_c, float* h, int H,
                                size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x) {
    size_t b = k / H, j = k % H;
    float* g = gates + b * 4 * H;
    float gi = sigm(g[j]), gf = sigm(g[H + j]), gg = tanhf(g[2 * H + j]), go = sigm(g[3 * H + j]);
    g[j] = gi;
    g[H + j] = gf;
    g[2 * H + j] = gg;
    g[3 * H + j] = go;
    float ct = c_prev ? gf * c_prev[k] + gi * gg : gi * gg;
    float tc = tanhf(ct);
    c[k] = ct;
    tanh_c[k] = tc;
    h[k] = go * tc;
  }
}

__global__ void lstm_bwd_kernel(const float* gates, const float* c_prev, const float* tanh_c, const float* dh,
                                float* dc, float* dgates, int H, size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x) {
    size_t b = k / H, j = k % H;
    const float* g = gates + b * 4 * H;
    float* dg = dgates + b * 4 * H;
    float gi = g[j], gf = g[H + j], gg = g[2 * H + j], go = g[3 * H + j], tc = tanh_c[k], d = dh[k];
    // dL/dc_t over both paths: through h_t = o tanh(c_t) and through c_{t+1}.
    float dct = dc[k] + d * go * (1.0f - tc * tc);
    dg[3 * H + j] = d * tc * go * (1.0f - go);
    dg[j] = dct * gg * gi * (1.0f - gi);
    dg[2 * H + j] = dct * gi * (1.0f - gg * gg);
    dg[H + j] = c_prev ? dct * c_prev[k] * gf * (1.0f - gf) : 0.0f;
    dc[k] = dct * gf;
  }
}

__global__ void tanh_fwd_kernel(const float* pre, float* h, size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x)
    h[k] = tanhf(pre[k]);
}

__global__ void tanh_bwd_kernel(const float* h, const float* dh, float* dpre, size_t total) {
  for (size_t k = blockIdx.x * size_t(blockDim.x) + threadIdx.x; k < total; k += size_t(gridDim.x) * blockDim.x)
    dpre[k] = dh[k] * (1.0f - h[k] * h[k]);
}

// Double accumulation like the CPU twin; one block per row, fixed-order reduction.
__global__ void row_norms_kernel(const float* x, float* norms, int N) {
  __shared__ double shm[32];
  const float* r = x + size_t(blockIdx.x) * N;
  double s = 0;
  for (int n = threadIdx.x; n < N; n += blockDim.x) s += double(r[n]) * double(r[n]);
  s = block_sum(s, shm);
  if (threadIdx.x == 0) norms[blockIdx.x] = float(sqrt(s));
}

}  // namespace

void launch_lstm_cell_fwd(float* gates, const float* c_prev, float* c, float* tanh_c, float* h, int B, int H,
                          cudaStream_t s) {
  size_t total = size_t(B) * size_t(H);
  if (!total) return;
  lstm_fwd_kernel<<<grid_for(total), kThreads, 0, s>>>(gates, c_prev, c, tanh_c, h, H, total);
  launch_check("lstm_cell_fwd");
}

void launch_lstm_cell_bwd(const float* gates, const float* c_prev, const float* tanh_c, const float* dh, float* dc,
                          float* dgates, int B, int H, cudaStream_t s) {
  size_t total = size_t(B) * size_t(H);
  if (!total) return;
  lstm_bwd_kernel<<<grid_for(total), kThreads, 0, s>>>(gates, c_prev, tanh_c, dh, dc, dgates, H, total);
  launch_check("lstm_cell_bwd");
}

void launch_rnn_tanh_cell_fwd(const float* pre, float* h, int B, int H, cudaStream_t s) {
  size_t total = size_t(B) * size_t(H);
  if (!total) return;
  tanh_fwd_kernel<<<grid_for(total), kThreads, 0, s>>>(pre, h, total);
  launch_check("rnn_tanh_cell_fwd");
}

void launch_rnn_tanh_cell_bwd(const float* h, const float* dh, float* dpre, int B, int H, cudaStream_t s) {
  size_t total = size_t(B) * size_t(H);
  if (!total) return;
  tanh_bwd_kernel<<<grid_for(total), kThreads, 0, s>>>(h, dh, dpre, total);
  launch_check("rnn_tanh_cell_bwd");
}

void launch_row_norms(const float* x, float* norms, int M, int N, cudaStream_t s) {
  if (M <= 0) return;
  row_norms_kernel<<<M, 128, 0, s>>>(x, norms, N);
  launch_check("row_norms");
}

}  // namespace udlab::gpu
