#include "gpu/cuda_check.h"
#include "gpu/kernels/common.cuh"
#include "gpu/kernels/reduce.cuh"

namespace udlab::gpu {
namespace {

// Chunk size fixed (not derived from the GPU), so every device sums in the same order.
constexpr size_t kChunk = size_t(1) << 14;

__global__ void dot_chunks_kernel(const float* x, const float* y, size_t n, double* part) {
  __shared__ double shm[32];
  size_t b = blockIdx.x * kChunk, e = min(n, b + kChunk);
  double s = 0;
  for (size_t i = b + threadIdx.x; i < e; i += blockDim.x) s += double(x[i]) * double(y[i]);
  s = block_sum(s, shm);
  if (threadIdx.x == 0) part[blockIdx.x] = s;
}

__global__ void sum_parts_kernel(const double* part, size_t nparts, double* result) {
  __shared__ double shm[32];
  double s = 0;
  for (size_t i = threadIdx.x; i < nparts; i += blockDim.x) s += part[i];
  s = block_sum(s, shm);
  if (threadIdx.x == 0) *result = s;
}

// Every thread that sees a bad value stores the same 1: the race is benign and the answer fixed.
__global__ void nonfinite_kernel(const float* x, size_t n, int* flag) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    if (!isfinite(x[i])) *flag = 1;
}

}  // namespace

size_t dot_scratch_bytes(size_t n) { return (n + kChunk - 1) / kChunk * sizeof(double); }

void launch_dot(const float* x, const float* y, size_t n, void* scratch, double* result, cudaStream_t s) {
  size_t chunks = (n + kChunk - 1) / kChunk;
  double* part = static_cast<double*>(scratch);
  // More chunks than gridDim.x allows would need 2^31 * 2^14 elements; not a realistic tensor.
  if (chunks) {
    dot_chunks_kernel<<<unsigned(chunks), kThreads, 0, s>>>(x, y, n, part);
    launch_check("dot");
  }
  sum_parts_kernel<<<1, 1024, 0, s>>>(part, chunks, result);
  launch_check("dot (total)");
}

void launch_has_nonfinite(const float* x, size_t n, int* flag, cudaStream_t s) {
  cuda_check(cudaMemsetAsync(flag, 0, sizeof(int), s), "has_nonfinite (reset)");
  if (!n) return;
  nonfinite_kernel<<<grid_for(n), kThreads, 0, s>>>(x, n, flag);
  launch_check("has_nonfinite");
}

}  // namespace udlab::gpu
