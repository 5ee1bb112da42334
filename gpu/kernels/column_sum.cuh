// Deterministic column sums out[n] += sum_m f(m, n) over an [M,N] row-major operand, without atomics:
// stage 1 sums fixed row chunks per column (coalesced across n), stage 2 adds the chunk partials in
// chunk order. The chunking depends on M only, so the result is the same on every run and every GPU.
// Included by .cu files only (it instantiates kernels for the caller's functor).
#pragma once
#include "gpu/cuda_check.h"
#include "gpu/kernels/common.cuh"

namespace udlab::gpu {

inline int column_sum_rows_per_chunk(int M) {
  int rows = 64;
  // gridDim.y is limited to 65535 chunks.
  if ((M + rows - 1) / rows > 65535) rows = (M + 65534) / 65535;
  return rows;
}
inline int column_sum_chunks(int M) {
  int rows = column_sum_rows_per_chunk(M);
  return (M + rows - 1) / rows;
}

// Acc is the accumulator type (float, or double where the CPU twin sums in double).
template <class Acc, class F>
__global__ void column_sum_partial(F f, int M, int N, int rows, Acc* partial) {
  int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n >= N) return;
  int m0 = blockIdx.y * rows, m1 = min(M, m0 + rows);
  Acc s = 0;
  for (int m = m0; m < m1; ++m) s += f(m, n);
  partial[size_t(blockIdx.y) * N + n] = s;
}

template <class Acc>
__global__ void column_sum_finish(const Acc* partial, int chunks, int N, float* out) {
  int n = blockIdx.x * blockDim.x + threadIdx.x;
  if (n >= N) return;
  Acc s = 0;
  for (int c = 0; c < chunks; ++c) s += partial[size_t(c) * N + n];
  out[n] += float(s);
}

// `partial` must hold column_sum_chunks(M) * N accumulators.
template <class Acc, class F>
void column_sum_acc(F f, int M, int N, Acc* partial, float* out, cudaStream_t s, const char* name) {
  if (M <= 0 || N <= 0) return;
  int rows = column_sum_rows_per_chunk(M), chunks = column_sum_chunks(M);
  dim3 grid((N + 127) / 128, chunks);
  column_sum_partial<<<grid, 128, 0, s>>>(f, M, N, rows, partial);
  launch_check(name);
  column_sum_finish<<<(N + 127) / 128, 128, 0, s>>>(partial, chunks, N, out);
  launch_check(name);
}

}  // namespace udlab::gpu
