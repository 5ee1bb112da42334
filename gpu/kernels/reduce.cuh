// Whole-tensor reductions: deterministic dot products (sum of squares = dot(x, x)) and the non-finite check.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>

namespace udlab::gpu {

// Scratch for launch_dot: one double per chunk of the input.
size_t dot_scratch_bytes(size_t n);
// *result (device) = sum x·y in double: fixed chunks, fixed-order tree sums, no atomics (x may be y).
void launch_dot(const float* x, const float* y, size_t n, void* scratch, double* result, cudaStream_t s);
// *flag (device int) = 1 when any element is NaN or Inf, else 0.
void launch_has_nonfinite(const float* x, size_t n, int* flag, cudaStream_t s);

}  // namespace udlab::gpu
