// GroupOps<float> on CUDA, first version: batched matmul runs on the GPU (cuBLAS strided-batched; a
// stride of 0 shares one matrix), everything else is STAGED THROUGH THE HOST: inputs are downloaded,
// the CPU twin runs, outputs are uploaded. Correct by construction (it is the reference code) and lets
// the group models train with --device cuda, but it is not GPU-accelerated: the batched exp/adjoint
// kernels (one block per matrix in shared memory for n <= 64) are the planned replacement.
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "gpu/cublas_rowmajor.h"
#include "gpu/cuda_families.h"

namespace udlab::gpu {
namespace {

class HostStage {
 public:
  std::vector<float> down(const float* p, size_t n) {
    std::vector<float> h(n);
    if (n && p) cuda_check(cudaMemcpy(h.data(), p, n * sizeof(float), cudaMemcpyDeviceToHost), "group ops (download)");
    return h;
  }
  void up(float* p, const std::vector<float>& h) {
    if (!h.empty() && p)
      cuda_check(cudaMemcpy(p, h.data(), h.size() * sizeof(float), cudaMemcpyHostToDevice), "group ops (upload)");
  }
};

class CudaGroupOps final : public GroupOps<float> {
 public:
  explicit CudaGroupOps(CudaContext& ctx) : ctx_(ctx), cpu_(make_cpu_group_ops<float>(resolve_threads(0))) {}

  void project(const GroupSpec& g, const float* X, float* Y, int count) override {
    auto x = st_.down(X, mats(g, count));
    cpu_->project(g, x.data(), x.data(), count);
    st_.up(Y, x);
  }
  void exp(const GroupSpec& g, const float* X, float* E, int count) override {
    auto x = st_.down(X, mats(g, count));
    std::vector<float> e(x.size());
    cpu_->exp(g, x.data(), e.data(), count);
    st_.up(E, e);
  }
  void exp_adjoint(const GroupSpec& g, const float* X, const float* Ebar, float* Xbar, float* E, int count) override {
    auto x = st_.down(X, mats(g, count)), eb = st_.down(Ebar, x.size());
    std::vector<float> xb(x.size()), e(E ? x.size() : 0);
    cpu_->exp_adjoint(g, x.data(), eb.data(), xb.data(), E ? e.data() : nullptr, count);
    st_.up(Xbar, xb);
    if (E) st_.up(E, e);
  }

  void matmul(int n, int count, bool trans_a, bool trans_b, float alpha, const float* A, size_t stride_a,
              const float* B, size_t stride_b, float beta, float* C) override {
    if (n <= 0 || count <= 0) return;
    gemm_rowmajor_batched(ctx_.blas, trans_a, trans_b, n, n, n, alpha, A, n, (long long)stride_a, B, n,
                          (long long)stride_b, beta, C, n, (long long)n * n, count, "group matmul (batched)");
  }
  void matmul_sum(int n, int block, int count, bool trans_a, bool trans_b, const float* A, const float* B,
                  float* C) override {
    const size_t nn = size_t(n) * n;
    auto a = st_.down(A, nn * count), b = st_.down(B, nn * count), c = st_.down(C, nn);
    cpu_->matmul_sum(n, block, count, trans_a, trans_b, a.data(), b.data(), c.data());
    st_.up(C, c);
  }
  void axpby(float a, const float* x, float b, const float* y, float* out, size_t len) override {
    auto hx = st_.down(x, len), hy = st_.down(y, len);
    cpu_->axpby(a, hx.data(), b, hy.data(), hx.data(), len);
    st_.up(out, hx);
  }
  double dot(const float* x, const float* y, size_t len) override {
    auto hx = st_.down(x, len), hy = st_.down(y, len);
    return cpu_->dot(hx.data(), hy.data(), len);
  }

  int rnn_forward(const GroupSpec& g, const RnnLayer& L, int reorth_every, double reorth_threshold,
                  double* mem_err) override {
    const size_t nn = size_t(g.n) * g.n, steps = size_t(L.T) * L.B;
    auto u = st_.down(L.U, nn), xi = st_.down(L.Xi, steps * nn), h = st_.down(L.H, (steps + L.B) * nn);
    std::vector<float> xh = L.mixing ? st_.down(L.Xh, steps * nn) : std::vector<float>();
    RnnLayer hl = L;
    hl.U = u.data();
    hl.Xi = xi.data();
    hl.Xh = L.mixing ? xh.data() : nullptr;
    hl.H = h.data();
    int fixed = cpu_->rnn_forward(g, hl, reorth_every, reorth_threshold, mem_err);
    st_.up(L.Xi, xi);
    if (L.mixing) st_.up(L.Xh, xh);
    st_.up(L.H, h);
    return fixed;
  }
  void rnn_backward(const GroupSpec& g, const RnnLayer& L, const float* G, float* dA, float* hbar0, double* alpha_bar,
                    double* beta_bar, double* grad_norm) override {
    const size_t nn = size_t(g.n) * g.n, steps = size_t(L.T) * L.B;
    auto u = st_.down(L.U, nn), xi = st_.down(L.Xi, steps * nn), h = st_.down(L.H, (steps + L.B) * nn);
    std::vector<float> xh = L.mixing ? st_.down(L.Xh, steps * nn) : std::vector<float>();
    auto gg = st_.down(G, steps * nn);
    std::vector<float> da(steps * nn), hb(size_t(L.B) * nn);
    RnnLayer hl = L;
    hl.U = u.data();
    hl.Xi = xi.data();
    hl.Xh = L.mixing ? xh.data() : nullptr;
    hl.H = h.data();
    cpu_->rnn_backward(g, hl, gg.data(), da.data(), hb.data(), alpha_bar, beta_bar, grad_norm);
    st_.up(dA, da);
    st_.up(hbar0, hb);
  }

  void membership_error(const GroupSpec& g, const float* G, int count, double* err) override {
    auto hg = st_.down(G, mats(g, count));
    cpu_->membership_error(g, hg.data(), count, err);
  }
  int reorthogonalise(const GroupSpec& g, float* G, int count, double threshold, double* max_err) override {
    auto hg = st_.down(G, mats(g, count));
    int fixed = cpu_->reorthogonalise(g, hg.data(), count, threshold, max_err);
    if (fixed) st_.up(G, hg);
    return fixed;
  }

 private:
  static size_t mats(const GroupSpec& g, int count) { return count > 0 ? size_t(g.n) * g.n * count : 0; }
  CudaContext& ctx_;
  std::unique_ptr<GroupOps<float>> cpu_;
  HostStage st_;
};

}  // namespace

std::unique_ptr<GroupOps<float>> make_cuda_group_ops(CudaContext& ctx) { return std::make_unique<CudaGroupOps>(ctx); }

}  // namespace udlab::gpu
