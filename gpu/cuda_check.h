// Turns every CUDA runtime and cuBLAS status into a udlab::Error naming the operation that failed, so a
// driver problem, an out-of-memory or a bad launch reaches the user as one line instead of an abort.
// Plain header (no Eigen, no Qt): included by .cu and .cpp files alike.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <string>

#include "core/util/error.h"

namespace udlab::gpu {

inline void cuda_check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  // Clear the sticky "last error" so a later, unrelated check does not report this one again.
  cudaGetLastError();
  throw Error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(e) + " (" +
              cudaGetErrorName(e) + ")");
}

inline const char* cublas_status_text(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "cuBLAS not initialised (no usable device or driver?)";
    case CUBLAS_STATUS_ALLOC_FAILED: return "cuBLAS could not allocate device memory";
    case CUBLAS_STATUS_INVALID_VALUE: return "invalid value (bad shape or leading dimension)";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "the GPU architecture does not support this operation";
    case CUBLAS_STATUS_MAPPING_ERROR: return "GPU memory mapping error";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "the GPU kernel failed to execute";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "cuBLAS internal error";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "operation not supported";
    case CUBLAS_STATUS_LICENSE_ERROR: return "cuBLAS licence error";
    default: return "unknown cuBLAS status";
  }
}

inline void cublas_check(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  throw Error(std::string("cuBLAS error in ") + what + ": " + cublas_status_text(s) + " (status " +
              std::to_string(int(s)) + ")");
}

// After a kernel launch: reports a bad configuration immediately. Faults inside the kernel surface at
// the next synchronising call (a download), still as a udlab::Error.
inline void launch_check(const char* kernel) { cuda_check(cudaGetLastError(), kernel); }

}  // namespace udlab::gpu
