// CudaBackend<float>: device memory through the CUDA runtime, ops through the families in this folder.
// A family left nullptr here would make Backend::require() name it in a clear error; all five are set.
#include "gpu/cuda_backend.h"

#include "core/util/memory.h"
#include "gpu/cuda_check.h"
#include "gpu/cuda_context.h"
#include "gpu/cuda_families.h"

namespace udlab::gpu {
namespace {

class CudaBackend final : public Backend<float> {
 public:
  explicit CudaBackend(bool deterministic) : ctx_(0, deterministic) {
    this->dense_ = make_cuda_dense_ops(ctx_);
    this->rnn_ = make_cuda_rnn_ops(ctx_);
    this->attention_ = make_cuda_attention_ops(ctx_);
    this->lru_ = make_cuda_lru_ops(ctx_);
    this->group_ = make_cuda_group_ops(ctx_);
  }
  ~CudaBackend() override {
    // The families hold a reference to ctx_, which dies before the base class releases them.
    this->dense_.reset();
    this->rnn_.reset();
    this->group_.reset();
    this->lru_.reset();
    this->attention_.reset();
  }
  std::string name() const override { return "cuda"; }
  bool host_accessible() const override { return false; }

  void* alloc_bytes(size_t bytes) override {
    if (bytes == 0) return nullptr;
    ensure_fits_on_device(bytes, "a buffer of " + human_bytes(double(bytes)));
    void* p = nullptr;
    cuda_check(cudaMalloc(&p, bytes), "cudaMalloc");
    try {
      cuda_check(cudaMemset(p, 0, bytes), "cudaMemset");
    } catch (...) {
      cudaFree(p);
      throw;
    }
    return p;
  }
  void free_bytes(void* p) override {
    // Called from Buffer destructors, which must not throw; a failing cudaFree means the context is
    // already broken and the next checked call reports it.
    if (p) cudaFree(p);
  }
  void upload_bytes(void* dst, const void* src, size_t bytes) override {
    if (bytes) cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "upload (cudaMemcpy)");
  }
  void download_bytes(void* dst, const void* src, size_t bytes) override {
    if (bytes) cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "download (cudaMemcpy)");
  }
  void copy_bytes(void* dst, const void* src, size_t bytes) override {
    if (!bytes || dst == src) return;
    auto d = static_cast<char*>(dst);
    auto s = static_cast<const char*>(src);
    if (d < s + bytes && s < d + bytes) {
      // cudaMemcpy is undefined for overlapping ranges; the CPU twin has memmove semantics.
      void* tmp = ctx_.scratch(bytes);
      cuda_check(cudaMemcpyAsync(tmp, src, bytes, cudaMemcpyDeviceToDevice, ctx_.stream), "copy (overlap)");
      src = tmp;
    }
    cuda_check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, ctx_.stream), "copy (cudaMemcpy)");
  }
  void zero_bytes(void* dst, size_t bytes) override {
    if (bytes) cuda_check(cudaMemsetAsync(dst, 0, bytes, ctx_.stream), "zero (cudaMemset)");
  }
  void synchronize() override { cuda_check(cudaStreamSynchronize(ctx_.stream), "synchronize"); }

 private:
  CudaContext ctx_;
};

}  // namespace

bool cuda_available(std::string* why) {
  auto say = [&](std::string s) {
    if (why) *why = std::move(s);
    return false;
  };
  int driver = 0;
  // cudaDriverGetVersion reports 0 (without error) when libcuda is not installed at all; that case
  // deserves a clearer message than the runtime's "driver version is insufficient".
  if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
    cudaGetLastError();
    return say("no NVIDIA driver found (libcuda is not installed or cannot be loaded)");
  }
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaErrorNoDevice || (e == cudaSuccess && count == 0)) {
    cudaGetLastError();
    return say("no CUDA device found");
  }
  if (e != cudaSuccess) {
    cudaGetLastError();
    return say(std::string("CUDA driver error: ") + cudaGetErrorString(e));
  }
  return true;
}

std::unique_ptr<Backend<float>> make_cuda_backend(bool deterministic) {
  std::string why;
  if (!cuda_available(&why)) throw Error("device cuda is not available: " + why);
  return std::make_unique<CudaBackend>(deterministic);
}

}  // namespace udlab::gpu
