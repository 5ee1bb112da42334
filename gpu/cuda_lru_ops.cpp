// LruOps<float> on CUDA: the chunked parallel scan and its reverse (kernels/lru_scan.cu) and the
// parameter-side kernels (kernels/lru_params.cu). The in/out projections around them are cuBLAS GEMMs.
#include "gpu/cuda_families.h"
#include "gpu/kernels/lru.cuh"

namespace udlab::gpu {
namespace {

class CudaLruOps final : public LruOps<float> {
 public:
  explicit CudaLruOps(CudaContext& ctx) : ctx_(ctx) {}

  void lambda(const float* nu_log, const float* theta_log, float* lam_re, float* lam_im, int N) override {
    launch_lru_lambda(nu_log, theta_log, lam_re, lam_im, N, ctx_.stream);
  }

  void scan(const float* lam_re, const float* lam_im, const float* in_re, const float* in_im, float* x_re,
            float* x_im, int B, int T, int N, bool reverse, LruScanMethod method, int chunk) override {
    // kLoop, or a chunk covering the whole sequence, is one sequential pass per pair (chunk 0).
    int c = (method == LruScanMethod::kLoop || chunk >= T) ? 0 : (chunk < 1 ? 1 : chunk);
    launch_lru_scan(lam_re, lam_im, in_re, in_im, x_re, x_im, B, T, N, reverse, c,
                    ctx_.scratch(lru_scan_scratch_bytes(B, T, N, c)), ctx_.stream);
  }

  void gamma_scale(const float* gamma_log, float* re, float* im, int M, int N) override {
    launch_lru_gamma_scale(gamma_log, re, im, M, N, ctx_.scratch(size_t(N > 0 ? N : 0) * sizeof(float)),
                           ctx_.stream);
  }

  void lambda_grad(const float* nu_log, const float* theta_log, const float* lam_re, const float* lam_im,
                   const float* x_re, const float* x_im, const float* d_re, const float* d_im, int B, int T, int N,
                   float* dnu_log, float* dtheta_log) override {
    launch_lru_lambda_grad(nu_log, theta_log, lam_re, lam_im, x_re, x_im, d_re, d_im, B, T, N, dnu_log, dtheta_log,
                           ctx_.scratch(lru_lambda_grad_scratch_bytes(B, N)), ctx_.stream);
  }

  void gamma_grad(const float* b_re, const float* b_im, const float* d_re, const float* d_im, int M, int N,
                  float* dgamma_log) override {
    launch_lru_gamma_grad(b_re, b_im, d_re, d_im, M, N, dgamma_log, ctx_.scratch(lru_colsum_scratch_bytes(M, N)),
                          ctx_.stream);
  }

  void skip_fwd(const float* D, const float* u, float* y, int M, int H) override {
    launch_lru_skip_fwd(D, u, y, M, H, ctx_.stream);
  }
  void skip_bwd(const float* D, const float* u, const float* g, float* du, float* dD, int M, int H) override {
    launch_lru_skip_bwd(D, u, g, du, dD, M, H, ctx_.scratch(lru_colsum_scratch_bytes(M, H)), ctx_.stream);
  }

  void row_norms(const float* re, const float* im, int M, int N, float* out) override {
    launch_lru_row_norms(re, im, M, N, out, ctx_.stream);
  }

 private:
  CudaContext& ctx_;
};

}  // namespace

std::unique_ptr<LruOps<float>> make_cuda_lru_ops(CudaContext& ctx) { return std::make_unique<CudaLruOps>(ctx); }

}  // namespace udlab::gpu
