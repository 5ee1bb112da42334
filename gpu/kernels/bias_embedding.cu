// Row bias and embedding kernels.
#include "gpu/kernels/column_sum.cuh"
#include "gpu/kernels/rows.cuh"

namespace udlab::gpu {
namespace {

__global__ void add_row_bias_kernel(float* Y, const float* b, int N, size_t total) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += size_t(gridDim.x) * blockDim.x)
    Y[i] += b[i % N];
}

struct ReadDy {
  const float* dY;
  int N;
  __device__ float operator()(int m, int n) const { return dY[size_t(m) * N + n]; }
};

__global__ void embedding_fwd_kernel(const float* table, const int32_t* idx, float* out, int E, size_t total) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += size_t(gridDim.x) * blockDim.x) {
    size_t m = i / E, e = i % E;
    out[i] = table[size_t(idx[m]) * E + e];
  }
}

__global__ void embedding_bwd_atomic_kernel(const float* dout, const int32_t* idx, float* dtable, int E,
                                            size_t total) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < total; i += size_t(gridDim.x) * blockDim.x) {
    size_t m = i / E, e = i % E;
    atomicAdd(dtable + size_t(idx[m]) * E + e, dout[i]);
  }
}

// Column e is owned by one thread, rows visited in order: no races, the CPU's summation order, and
// so bit-identical to it. Parallelism is only E, the price of determinism.
__global__ void embedding_bwd_ordered_kernel(const float* dout, const int32_t* idx, float* dtable, int M, int E) {
  int e = blockIdx.x * blockDim.x + threadIdx.x;
  if (e >= E) return;
  for (int m = 0; m < M; ++m) dtable[size_t(idx[m]) * E + e] += dout[size_t(m) * E + e];
}

}  // namespace

size_t column_sum_scratch_bytes(int M, int N) {
  return (M > 0 && N > 0) ? size_t(column_sum_chunks(M)) * size_t(N) * sizeof(float) : 0;
}

void launch_add_row_bias(float* Y, const float* b, int M, int N, cudaStream_t s) {
  size_t total = size_t(M) * size_t(N);
  if (!total) return;
  add_row_bias_kernel<<<grid_for(total), kThreads, 0, s>>>(Y, b, N, total);
  launch_check("add_row_bias");
}

void launch_row_bias_grad(const float* dY, float* db, int M, int N, void* scratch, cudaStream_t s) {
  column_sum_acc(ReadDy{dY, N}, M, N, static_cast<float*>(scratch), db, s, "row_bias_grad");
}

void launch_embedding_fwd(const float* table, const int32_t* idx, float* out, int M, int E, cudaStream_t s) {
  size_t total = size_t(M) * size_t(E);
  if (!total) return;
  embedding_fwd_kernel<<<grid_for(total), kThreads, 0, s>>>(table, idx, out, E, total);
  launch_check("embedding_fwd");
}

void launch_embedding_bwd(const float* dout, const int32_t* idx, float* dtable, int M, int E, bool deterministic,
                          cudaStream_t s) {
  size_t total = size_t(M) * size_t(E);
  if (!total) return;
  if (deterministic) {
    embedding_bwd_ordered_kernel<<<(E + 127) / 128, 128, 0, s>>>(dout, idx, dtable, M, E);
    launch_check("embedding_bwd (deterministic)");
  } else {
    embedding_bwd_atomic_kernel<<<grid_for(total), kThreads, 0, s>>>(dout, idx, dtable, E, total);
    launch_check("embedding_bwd");
  }
}

}  // namespace udlab::gpu
