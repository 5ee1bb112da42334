// Whole-tensor reductions: deterministic sum of squares and the non-finite check.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>

namespace udlab::gpu {

// Scratch for launch_sumsq: one double per chunk of the input.
size_t sumsq_scratch_bytes(size_t n);
// *result (device) = sum x^2 in double: fixed chunks, fixed-order tree sums, no atomics.
void launch_sumsq(const float* x, size_t n, void* scratch, double* result, cudaStream_t s);
// *flag (device int) = 1 when any element is NaN or Inf, else 0.
void launch_has_nonfinite(const float* x, size_t n, int* flag, cudaStream_t s);

}  // namespace udlab::gpu
