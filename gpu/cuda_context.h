// State shared by the CUDA op families of one backend: the device, the stream, the cuBLAS handle, the
// determinism switch and a grow-only scratch area for per-call temporaries (partial sums, results).
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

namespace udlab::gpu {

struct CudaContext {
  int device = 0;
  std::string device_name;
  // Everything runs on the legacy default stream: kernels, cuBLAS and copies are then ordered without
  // events, and a download (cudaMemcpy) is the synchronisation point.
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  bool deterministic = false;

  CudaContext(int device, bool deterministic);
  ~CudaContext();
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  // At least `bytes` of device memory, valid until the next scratch() call. Ops use it within one call;
  // single-stream ordering makes reuse by the next op safe.
  void* scratch(size_t bytes);

 private:
  void* scratch_ = nullptr;
  size_t scratch_bytes_ = 0;
};

// Throws udlab::Error when `bytes` exceeds the device's free memory; `what` names the allocation.
void ensure_fits_on_device(size_t bytes, const std::string& what);

}  // namespace udlab::gpu
