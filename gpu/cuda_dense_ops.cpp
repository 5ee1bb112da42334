// DenseOps<float> on CUDA: cuBLAS for GEMM, kernels/ for the rest. Results that the interface returns
// to the host (loss sums, norms, the non-finite flag) are downloaded here, which synchronises.
#include "gpu/cublas_rowmajor.h"
#include "gpu/cuda_check.h"
#include "gpu/cuda_families.h"
#include "gpu/kernels/elementwise.cuh"
#include "gpu/kernels/reduce.cuh"
#include "gpu/kernels/rows.cuh"

namespace udlab::gpu {
namespace {

// Device scratch layout helper: a small result slot first (aligned), then the op's temporaries.
constexpr size_t kResultBytes = 64;

class CudaDenseOps final : public DenseOps<float> {
 public:
  explicit CudaDenseOps(CudaContext& ctx) : ctx_(ctx) {}

  void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
            float beta, float* C, int ldc) override {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
      launch_scale_matrix(C, M, N, ldc, beta, ctx_.stream);
      return;
    }
    gemm_rowmajor_batched(ctx_.blas, ta, tb, M, N, K, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1,
                          "gemm (cublasSgemm)");
  }

  void add_row_bias(float* Y, const float* b, int M, int N) override { launch_add_row_bias(Y, b, M, N, ctx_.stream); }
  void row_bias_grad(const float* dY, float* db, int M, int N) override {
    launch_row_bias_grad(dY, db, M, N, ctx_.scratch(column_sum_scratch_bytes(M, N)), ctx_.stream);
  }

  void embedding_fwd(const float* table, const int32_t* idx, float* out, int M, int E) override {
    launch_embedding_fwd(table, idx, out, M, E, ctx_.stream);
  }
  void embedding_bwd(const float* dout, const int32_t* idx, float* dtable, int M, int E) override {
    launch_embedding_bwd(dout, idx, dtable, M, E, ctx_.deterministic, ctx_.stream);
  }

  XentResult softmax_xent(const float* logits, const int32_t* targets, const float* weights, float* dlogits, int M,
                          int V, double grad_scale) override {
    char* base = static_cast<char*>(ctx_.scratch(kResultBytes + xent_scratch_bytes(M)));
    double* result = reinterpret_cast<double*>(base);
    launch_softmax_xent(logits, targets, weights, dlogits, M, V, grad_scale, base + kResultBytes, result, ctx_.stream);
    double host[3];
    cuda_check(cudaMemcpy(host, result, sizeof(host), cudaMemcpyDeviceToHost), "softmax_xent (result)");
    XentResult r;
    r.loss_sum = host[0];
    r.weight_sum = host[1];
    r.correct = host[2];
    return r;
  }

  void layernorm_fwd(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd, int M,
                     int N, double eps) override {
    launch_layernorm_fwd(x, gamma, beta, y, mean, rstd, M, N, float(eps), ctx_.stream);
  }
  void layernorm_bwd(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                     float* dx, float* dgamma, float* dbeta, int M, int N) override {
    launch_layernorm_bwd(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, M, N,
                         ctx_.scratch(column_sum_scratch_bytes(M, N)), ctx_.stream);
  }

  void gelu_fwd(const float* x, float* y, size_t n) override { launch_gelu_fwd(x, y, n, ctx_.stream); }
  void gelu_bwd(const float* x, const float* dy, float* dx, size_t n) override {
    launch_gelu_bwd(x, dy, dx, n, ctx_.stream);
  }
  void sigmoid_fwd(const float* x, float* y, size_t n) override { launch_sigmoid_fwd(x, y, n, ctx_.stream); }
  void tanh_fwd(const float* x, float* y, size_t n) override { launch_tanh_fwd(x, y, n, ctx_.stream); }

  void axpy(float a, const float* x, float* y, size_t n) override { launch_axpy(a, x, y, n, ctx_.stream); }
  void scale(float* x, float a, size_t n) override { launch_scale(x, a, n, ctx_.stream); }
  void mul(const float* a, const float* b, float* y, size_t n) override { launch_mul(a, b, y, n, ctx_.stream); }
  void mul_acc(const float* a, const float* b, float* y, size_t n) override {
    launch_mul_acc(a, b, y, n, ctx_.stream);
  }

  double sumsq(const float* x, size_t n) override {
    char* base = static_cast<char*>(ctx_.scratch(kResultBytes + dot_scratch_bytes(n)));
    double* result = reinterpret_cast<double*>(base);
    launch_dot(x, x, n, base + kResultBytes, result, ctx_.stream);
    double host = 0;
    cuda_check(cudaMemcpy(&host, result, sizeof(host), cudaMemcpyDeviceToHost), "sumsq (result)");
    return host;
  }

  bool has_nonfinite(const float* x, size_t n) override {
    int* flag = static_cast<int*>(ctx_.scratch(kResultBytes));
    launch_has_nonfinite(x, n, flag, ctx_.stream);
    int host = 0;
    cuda_check(cudaMemcpy(&host, flag, sizeof(host), cudaMemcpyDeviceToHost), "has_nonfinite (result)");
    return host != 0;
  }

  void adamw(float* p, const float* g, float* m, float* v, size_t n, double lr, double b1, double b2, double eps,
             double wd, double bc1, double bc2) override {
    launch_adamw(p, g, m, v, n, float(lr), float(b1), float(b2), float(eps), float(wd), float(1.0 / bc1),
                 float(1.0 / bc2), ctx_.stream);
  }

 private:
  CudaContext& ctx_;
};

}  // namespace

std::unique_ptr<DenseOps<float>> make_cuda_dense_ops(CudaContext& ctx) { return std::make_unique<CudaDenseOps>(ctx); }

}  // namespace udlab::gpu
