// Fused softmax cross-entropy: one block per row finds max/argmax, the log-sum-exp, the row loss and
// writes dlogits in the same pass over the vocabulary; one more block sums the rows in double, in a
// fixed order, so the loss is deterministic.
#include <climits>

#include "gpu/cuda_check.h"
#include "gpu/kernels/common.cuh"
#include "gpu/kernels/rows.cuh"

namespace udlab::gpu {
namespace {

constexpr int kXentThreads = 256;

struct MaxArg {
  float v;
  int i;
};

// Larger value wins; ties go to the smaller index, matching the CPU's first-maximum argmax.
__device__ inline MaxArg better(MaxArg a, MaxArg b) {
  return (b.v > a.v || (b.v == a.v && b.i < a.i)) ? b : a;
}

__device__ MaxArg block_maxarg(MaxArg x, MaxArg* shm) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  for (int off = 16; off > 0; off >>= 1) {
    MaxArg o{__shfl_down_sync(0xffffffffu, x.v, off), __shfl_down_sync(0xffffffffu, x.i, off)};
    x = better(x, o);
  }
  if (lane == 0) shm[warp] = x;
  __syncthreads();
  if (warp == 0) {
    x = lane < nwarps ? shm[lane] : MaxArg{-INFINITY, INT_MAX};
    for (int off = 16; off > 0; off >>= 1) {
      MaxArg o{__shfl_down_sync(0xffffffffu, x.v, off), __shfl_down_sync(0xffffffffu, x.i, off)};
      x = better(x, o);
    }
    if (lane == 0) shm[0] = x;
  }
  __syncthreads();
  return shm[0];
}

// row_out[2*m] = weighted loss, row_out[2*m+1] = weighted correctness.
__global__ void xent_rows_kernel(const float* logits, const int32_t* targets, const float* weights, float* dlogits,
                                 int V, double grad_scale, double* row_out) {
  __shared__ MaxArg shm_ma[32];
  __shared__ double shm_d[32];
  const int m = blockIdx.x;
  const float* z = logits + size_t(m) * V;
  // Seeding each thread with its first element (not -inf) makes an all -inf row pick index 0, as the CPU.
  MaxArg best = threadIdx.x < V ? MaxArg{z[threadIdx.x], int(threadIdx.x)} : MaxArg{-INFINITY, INT_MAX};
  for (int v = threadIdx.x + blockDim.x; v < V; v += blockDim.x)
    if (z[v] > best.v) best = MaxArg{z[v], v};
  MaxArg top = block_maxarg(best, shm_ma);
  const float mx = top.v;
  double part = 0.0;
  for (int v = threadIdx.x; v < V; v += blockDim.x) part += double(expf(z[v] - mx));
  const double lse = log(block_sum(part, shm_d)) + double(mx);
  const int y = targets[m];
  const double w = weights ? double(weights[m]) : 1.0;
  const bool valid = y >= 0 && y < V;  // an out-of-range target must not read out of bounds
  if (threadIdx.x == 0) {
    row_out[2 * size_t(m)] = valid ? w * (lse - double(z[y])) : __longlong_as_double(0x7ff8000000000000ll);
    row_out[2 * size_t(m) + 1] = (valid && top.i == y) ? w : 0.0;
  }
  if (dlogits) {
    float* d = dlogits + size_t(m) * V;
    const float sc = float(grad_scale * w), flse = float(lse);
    for (int v = threadIdx.x; v < V; v += blockDim.x) d[v] = sc * expf(z[v] - flse) - (v == y ? sc : 0.0f);
  }
}

__global__ void xent_total_kernel(const double* row_out, const float* weights, int M, double* result) {
  __shared__ double shm[32];
  double loss = 0, corr = 0, wsum = 0;
  for (int m = threadIdx.x; m < M; m += blockDim.x) {
    loss += row_out[2 * size_t(m)];
    corr += row_out[2 * size_t(m) + 1];
    wsum += weights ? double(weights[m]) : 1.0;
  }
  loss = block_sum(loss, shm);
  corr = block_sum(corr, shm);
  wsum = block_sum(wsum, shm);
  if (threadIdx.x == 0) {
    result[0] = loss;
    result[1] = wsum;
    result[2] = corr;
  }
}

}  // namespace

size_t xent_scratch_bytes(int M) { return M > 0 ? size_t(M) * 2 * sizeof(double) : 0; }

void launch_softmax_xent(const float* logits, const int32_t* targets, const float* weights, float* dlogits, int M,
                         int V, double grad_scale, void* scratch, double* result, cudaStream_t s) {
  double* row_out = static_cast<double*>(scratch);
  if (M > 0 && V > 0) {
    xent_rows_kernel<<<M, kXentThreads, 0, s>>>(logits, targets, weights, dlogits, V, grad_scale, row_out);
    launch_check("softmax_xent");
  }
  xent_total_kernel<<<1, 1024, 0, s>>>(row_out, weights, (M > 0 && V > 0) ? M : 0, result);
  launch_check("softmax_xent (total)");
}

}  // namespace udlab::gpu
