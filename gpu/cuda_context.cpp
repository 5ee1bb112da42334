#include "gpu/cuda_context.h"

#include "core/util/memory.h"
#include "gpu/cuda_check.h"

namespace udlab::gpu {

void ensure_fits_on_device(size_t bytes, const std::string& what) {
  size_t free_b = 0, total_b = 0;
  cuda_check(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
  if (bytes > free_b)
    throw Error("out of GPU memory: " + what + " needs " + human_bytes(double(bytes)) + " but only " +
                human_bytes(double(free_b)) + " of " + human_bytes(double(total_b)) + " is free");
}

CudaContext::CudaContext(int dev, bool det) : device(dev), deterministic(det) {
  cuda_check(cudaSetDevice(device), "cudaSetDevice");
  cudaDeviceProp prop{};
  cuda_check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  device_name = prop.name;
  cublas_check(cublasCreate(&blas), "cublasCreate");
  cublas_check(cublasSetStream(blas, stream), "cublasSetStream");
  // Plain fp32 GEMMs: TF32 tensor cores would change results against the CPU by ~1e-3 relative.
  cublas_check(cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  // cuBLAS routines that could use atomics stay on their deterministic paths.
  cublas_check(cublasSetAtomicsMode(blas, CUBLAS_ATOMICS_NOT_ALLOWED), "cublasSetAtomicsMode");
}

CudaContext::~CudaContext() {
  // Destructors must not throw: errors here can only be reported, and nobody is left to report to.
  if (scratch_) cudaFree(scratch_);
  if (blas) cublasDestroy(blas);
}

void* CudaContext::scratch(size_t bytes) {
  if (bytes <= scratch_bytes_) return scratch_;
  size_t want = bytes + bytes / 2;  // grow geometrically: fewer reallocations as shapes vary
  if (scratch_) {
    cuda_check(cudaFree(scratch_), "cudaFree (scratch)");
    scratch_ = nullptr;
    scratch_bytes_ = 0;
  }
  ensure_fits_on_device(want, "scratch space");
  cuda_check(cudaMalloc(&scratch_, want), "cudaMalloc (scratch)");
  scratch_bytes_ = want;
  return scratch_;
}

}  // namespace udlab::gpu
