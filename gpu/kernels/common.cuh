// Device-side helpers shared by the kernels: launch geometry and fixed-order block reductions.
// Included by .cu files only. Every reduction here combines values in an order fixed by blockDim and
// the data shape alone, so results are bit-identical from run to run (no atomics).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>

namespace udlab::gpu {

constexpr int kThreads = 256;

// Grid for a grid-stride loop over n elements: enough blocks to fill any current GPU, never more
// than the data needs.
inline unsigned grid_for(size_t n, int threads = kThreads) {
  size_t blocks = (n + threads - 1) / threads;
  if (blocks > 65535) blocks = 65535;
  return blocks ? unsigned(blocks) : 1u;
}

template <class T>
__device__ inline T warp_sum(T v) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
  return v;
}

// Sum of v over the block; every thread gets the result. blockDim.x must be a multiple of 32 and at
// most 1024. `shm` needs 32 elements. Safe to call repeatedly in one kernel.
template <class T>
__device__ inline T block_sum(T v, T* shm) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();  // shm may still be read by a previous call
  if (lane == 0) shm[warp] = v;
  __syncthreads();
  v = (threadIdx.x < nwarps) ? shm[lane] : T(0);
  if (warp == 0) v = warp_sum(v);
  if (threadIdx.x == 0) shm[0] = v;
  __syncthreads();
  return shm[0];
}

}  // namespace udlab::gpu
