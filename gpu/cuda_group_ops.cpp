// GroupOps<float> on CUDA (issue 12): every op runs on the device; nothing is staged through the host
// except host-side results of the interface (membership errors, dot, the telemetry arrays) and the rare
// re-orthogonalisation of a state that drifted past the threshold (downloaded, fixed by the CPU twin,
// uploaded: one matrix at a time, only when the device-side membership check says so).
//   project, membership_error: kernels/group.cu (one block per matrix)
//   exp, exp_adjoint: kernels/group_expm.cu (one block per diagonal block, shared memory when it fits)
//   matmul: cuBLAS strided-batched; matmul_sum: batched products + a fixed-order sum (deterministic)
//   rnn_forward/backward: the recurrence step by step over T, each step batched over the B sequences
//     with the ops above (one launch sequence per step on the stream; no per-step host round trip
//     except the re-orthogonalisation check every reorth_every steps).
// Unverified: written and compiled without a GPU (docs/cuda.md); tests/gpu/test_gpu_group_parity
// checks every op against the CPU twin when a device is present.
#include <algorithm>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/groups/expm_taylor.h"
#include "gpu/cublas_rowmajor.h"
#include "gpu/cuda_families.h"
#include "gpu/kernels/group.cuh"
#include "gpu/kernels/reduce.cuh"

namespace udlab::gpu {
namespace {

// Grow-only device buffers owned by the op family, one per role, so that one op's temporaries never
// overlap another's (CudaContext::scratch is a single area).
class DeviceSlots {
 public:
  ~DeviceSlots() {
    for (auto& s : slots_)
      if (s.p) cudaFree(s.p);
  }
  template <class T>
  T* get(int i, size_t n, const char* what) {
    const size_t bytes = std::max<size_t>(n, 1) * sizeof(T);
    if (slots_.size() <= size_t(i)) slots_.resize(i + 1);
    Slot& s = slots_[i];
    if (bytes > s.bytes) {
      if (s.p) cuda_check(cudaFree(s.p), "cudaFree (group ops)");
      s.p = nullptr;
      s.bytes = 0;
      ensure_fits_on_device(bytes, what);
      cuda_check(cudaMalloc(&s.p, bytes), what);
      s.bytes = bytes;
    }
    return static_cast<T*>(s.p);
  }

 private:
  struct Slot {
    void* p = nullptr;
    size_t bytes = 0;
  };
  std::vector<Slot> slots_;
};
enum Slot : int { kAlias, kWs, kLt, kProd, kDbl, kE, kA, kHb, kCarry, kXhb, kErr, kNorms, kDots };

GroupShape shape(const GroupSpec& g) { return GroupShape{int(g.kind), g.d, g.n, g.block, g.complex}; }

ExpmTable make_table() {
  ExpmTable t{};
  const expm::Thresholds<float> th;
  for (int i = 0; i < expm::kNumDegrees; ++i) {
    t.theta[i] = th.theta[i];
    t.degree[i] = expm::kDegree[i];
    t.split[i] = expm::kSplit[i];
  }
  t.max_index = th.max_degree_index;
  for (int j = 0; j < 32; ++j) t.inv_fact[j] = expm::inv_factorial<float>(j);
  // The kernels hold at most 4 powers (kQMax in group_expm.cu); float plans never split more.
  for (int i = 0; i <= t.max_index; ++i)
    if (t.split[i] > 4) throw Error("group exp: plan split above 4 (expm_taylor.h changed); update gpu/kernels/group_expm.cu");
  return t;
}

template <class T>
void download(T* host, const T* dev, size_t n, const char* what) {
  if (n) cuda_check(cudaMemcpy(host, dev, n * sizeof(T), cudaMemcpyDeviceToHost), what);
}

class CudaGroupOps final : public GroupOps<float> {
 public:
  explicit CudaGroupOps(CudaContext& ctx) : ctx_(ctx), table_(make_table()), cpu_(isa_baseline::make_cpu_group_ops<float>(1)) {}

  void project(const GroupSpec& g, const float* X, float* Y, int count) override {
    if (count <= 0) return;
    const size_t len = mats(g, count);
    if (X + len > Y && Y + len > X) {  // overlapping: project from a copy
      float* c = slots_.get<float>(kAlias, len, "group project (copy)");
      cuda_check(cudaMemcpyAsync(c, X, len * sizeof(float), cudaMemcpyDeviceToDevice, ctx_.stream), "group project (copy)");
      X = c;
    }
    launch_group_project(shape(g), X, Y, count, ctx_.stream);
  }
  void exp(const GroupSpec& g, const float* X, float* E, int count) override {
    launch_group_exp(shape(g), table_, X, E, count, workspace(g, count, false), ctx_.stream);
  }
  void exp_adjoint(const GroupSpec& g, const float* X, const float* Ebar, float* Xbar, float* E, int count) override {
    if (count <= 0) return;
    float* lt = slots_.get<float>(kLt, mats(g, count), "group exp adjoint");
    launch_group_exp_adjoint(shape(g), table_, X, Ebar, lt, E, count, workspace(g, count, true), ctx_.stream);
    launch_group_project(shape(g), lt, Xbar, count, ctx_.stream);
  }

  void matmul(int n, int count, bool trans_a, bool trans_b, float alpha, const float* A, size_t stride_a,
              const float* B, size_t stride_b, float beta, float* C) override {
    if (n <= 0 || count <= 0) return;
    gemm_rowmajor_batched(ctx_.blas, trans_a, trans_b, n, n, n, alpha, A, n, (long long)stride_a, B, n,
                          (long long)stride_b, beta, C, n, (long long)n * n, count, "group matmul (batched)");
  }
  void matmul_sum(int n, int block, int count, bool trans_a, bool trans_b, const float* A, const float* B,
                  float* C) override {
    if (n <= 0 || count <= 0) return;
    const size_t nn = size_t(n) * n;
    // Products in chunks of at most 64 MiB, each chunk summed in order into C: deterministic.
    const int chunk = int(std::max<size_t>(1, std::min<size_t>(count, (size_t(64) << 20) / (nn * sizeof(float)))));
    float* prod = slots_.get<float>(kProd, nn * chunk, "group matmul_sum (products)");
    for (int k0 = 0; k0 < count; k0 += chunk) {
      const int c = std::min(chunk, count - k0);
      gemm_rowmajor_batched(ctx_.blas, trans_a, trans_b, n, n, n, 1.0f, A + k0 * nn, n, (long long)nn, B + k0 * nn, n,
                            (long long)nn, 0.0f, prod, n, (long long)nn, c, "group matmul_sum (products)");
      launch_group_sum(n, block, c, prod, C, ctx_.stream);
    }
  }
  void axpby(float a, const float* x, float b, const float* y, float* out, size_t len) override {
    launch_axpby(a, x, b, y, out, len, ctx_.stream);
  }
  double dot(const float* x, const float* y, size_t len) override {
    double* d = slots_.get<double>(kDbl, dot_scratch_bytes(len) / sizeof(double) + 1, "dot (partial sums)");
    launch_dot(x, y, len, d + 1, d, ctx_.stream);
    double r = 0;
    download(&r, d, 1, "dot (result)");
    return r;
  }

  int rnn_forward(const GroupSpec& g, const RnnLayer& L, int reorth_every, double thr, double* mem_err) override;
  void rnn_backward(const GroupSpec& g, const RnnLayer& L, const float* G, float* dA, float* hbar0, double* alpha_bar,
                    double* beta_bar, double* grad_norm) override;

  void membership_error(const GroupSpec& g, const float* G, int count, double* err) override {
    if (count <= 0) return;
    double* d = slots_.get<double>(kErr, count, "group membership error");
    launch_group_membership(shape(g), G, count, d, ctx_.stream);
    download(err, d, count, "group membership error (result)");
  }
  int reorthogonalise(const GroupSpec& g, float* G, int count, double threshold, double* max_err) override {
    if (count <= 0) {
      if (max_err) *max_err = 0;
      return 0;
    }
    errs_.resize(count);
    membership_error(g, G, count, errs_.data());
    int fixed = 0;
    for (int k = 0; k < count; ++k)
      if (errs_[k] > threshold) {
        fix_on_host(g, G + k * mats(g, 1), threshold);
        ++fixed;
      }
    if (max_err) *max_err = *std::max_element(errs_.begin(), errs_.end());
    return fixed;
  }

 private:
  static size_t mats(const GroupSpec& g, int count) { return count > 0 ? size_t(g.n) * g.n * count : 0; }
  float* workspace(const GroupSpec& g, int count, bool frechet) {
    if (g.block == 2 || group_expm_fits_shared(g.block, frechet)) return nullptr;
    const size_t per = group_expm_workspace_floats(g.block, frechet);
    return slots_.get<float>(kWs, per * size_t(count) * (g.n / g.block), "group exp (workspace)");
  }
  // The rare drifted state: Newton–Schulz and the structure fix (SU's determinant phase needs an LU)
  // run in the CPU twin on this one matrix.
  void fix_on_host(const GroupSpec& g, float* dev, double threshold) {
    host_.resize(mats(g, 1));
    download(host_.data(), dev, host_.size(), "group re-orthogonalise (download)");
    cpu_->reorthogonalise(g, host_.data(), 1, threshold, nullptr);
    cuda_check(cudaMemcpy(dev, host_.data(), host_.size() * sizeof(float), cudaMemcpyHostToDevice),
               "group re-orthogonalise (upload)");
  }

  CudaContext& ctx_;
  ExpmTable table_;
  std::unique_ptr<GroupOps<float>> cpu_;  // only for fix_on_host
  DeviceSlots slots_;
  std::vector<float> host_;
  std::vector<double> errs_, tb_;
};

// The CPU twin's recurrence (cpu_group_ops.cpp), batched over the B sequences of each step: matrices
// t·B .. t·B + B − 1 are contiguous (time-major). Block groups use the dense products: with
// block-diagonal h and E the off-block entries are exact zeros, and Π drops those of U·h.
int CudaGroupOps::rnn_forward(const GroupSpec& g, const RnnLayer& L, int reorth_every, double thr, double* mem_err) {
  if (L.chunked()) throw Error("group-rnn: --recompute-chunk (time-chunked recurrence) runs on the CPU backend only");
  if (L.xi_bound > 0) throw Error("group-rnn: --xi-bound runs on the CPU backend only (use --device cpu or --xi-bound 0)");
  const int B = L.B, T = L.T, n = g.n;
  if (B <= 0 || T <= 0) return 0;
  const size_t nn = size_t(n) * n, step = nn * B;
  float* A = slots_.get<float>(kA, step, "group-rnn forward (A_t)");
  float* E = slots_.get<float>(kE, step, "group-rnn forward (exp)");
  double* errs = slots_.get<double>(kNorms, size_t(T) * B, "group-rnn forward (membership)");
  int events = 0;
  std::vector<double> host_err(B);
  for (int t = 0; t < T; ++t) {
    const size_t r = size_t(t) * B;
    float* h = L.H + r * nn;
    float* hn = L.H + (r + B) * nn;
    float* xi = L.Xi + r * nn;
    // A_t = (W x_t + B) + U h_t, then ξ_t = Π(A_t) back into Xi.
    cuda_check(cudaMemcpyAsync(A, xi, step * sizeof(float), cudaMemcpyDeviceToDevice, ctx_.stream), "group-rnn forward (A_t)");
    matmul(n, B, false, false, 1.0f, L.U, 0, h, nn, 1.0f, A);
    launch_group_project(shape(g), A, xi, B, ctx_.stream);
    const float* xh = xi;
    if (L.mixing) {
      float* out = L.Xh + r * nn;
      if (t > 0) launch_axpby(L.alpha, xi, L.beta, L.Xh + (r - B) * nn, out, step, ctx_.stream);
      else launch_axpby(L.alpha, xi, 0.0f, xi, out, step, ctx_.stream);
      xh = out;
    }
    exp(g, xh, E, B);
    matmul(n, B, false, false, 1.0f, h, nn, E, nn, 0.0f, hn);
    if ((t + 1) % reorth_every == 0 || t == T - 1) {
      launch_group_membership(shape(g), hn, B, errs + r, ctx_.stream);
      download(host_err.data(), errs + r, B, "group-rnn forward (membership)");
      for (int b = 0; b < B; ++b)
        if (host_err[b] > thr) {
          fix_on_host(g, hn + b * nn, thr);
          ++events;
        }
    }
    if (mem_err) launch_group_membership(shape(g), hn, B, errs + r, ctx_.stream);
  }
  if (mem_err) {
    tb_.resize(size_t(T) * B);
    download(tb_.data(), errs, tb_.size(), "group-rnn forward (membership)");
    for (int t = 0; t < T; ++t) mem_err[t] = *std::max_element(tb_.begin() + size_t(t) * B, tb_.begin() + size_t(t + 1) * B);
  }
  return events;
}

void CudaGroupOps::rnn_backward(const GroupSpec& g, const RnnLayer& L, const float* G, float* dA, float* hbar0,
                                double* alpha_bar, double* beta_bar, double* grad_norm) {
  if (L.chunked()) throw Error("group-rnn: --recompute-chunk (time-chunked recurrence) runs on the CPU backend only");
  if (L.xi_bound > 0) throw Error("group-rnn: --xi-bound runs on the CPU backend only (use --device cpu or --xi-bound 0)");
  const int B = L.B, T = L.T, n = g.n;
  if (B <= 0 || T <= 0) return;
  const size_t nn = size_t(n) * n, step = nn * B;
  float* hb = slots_.get<float>(kHb, step, "group-rnn backward (h̄)");
  float* carry = slots_.get<float>(kCarry, step, "group-rnn backward (carry)");
  float* Eb = slots_.get<float>(kA, step, "group-rnn backward (Ē)");
  float* E = slots_.get<float>(kE, step, "group-rnn backward (exp)");
  float* xhb = L.mixing ? slots_.get<float>(kXhb, step, "group-rnn backward (ξ̂̄)") : nullptr;
  double* norms = slots_.get<double>(kNorms, size_t(T) * B, "group-rnn backward (norms)");
  // Two dots per step (ᾱ, β̄ parts), each with its partial-sum scratch after the results.
  const size_t dot_part = dot_scratch_bytes(step) / sizeof(double);
  double* dots = slots_.get<double>(kDots, 2 * size_t(T) + dot_part, "group-rnn backward (α, β dots)");
  cuda_check(cudaMemsetAsync(carry, 0, step * sizeof(float), ctx_.stream), "group-rnn backward (carry)");
  if (xhb) cuda_check(cudaMemsetAsync(xhb, 0, step * sizeof(float), ctx_.stream), "group-rnn backward (ξ̂̄)");
  cuda_check(cudaMemsetAsync(dots, 0, 2 * size_t(T) * sizeof(double), ctx_.stream), "group-rnn backward (dots)");
  for (int t = T - 1; t >= 0; --t) {
    const size_t r = size_t(t) * B;
    const float* h = L.H + r * nn;
    const float* xi = L.Xi + r * nn;
    const float* xh = L.mixing ? L.Xh + r * nn : xi;
    float* da = dA + r * nn;
    launch_axpby(1.0f, G + r * nn, 1.0f, carry, hb, step, ctx_.stream);  // h̄_{t+1} = G_t + carry
    if (grad_norm) launch_group_block_norms(n, g.block, B, hb, norms + r, ctx_.stream);
    matmul(n, B, true, false, 1.0f, h, nn, hb, nn, 0.0f, Eb);  // Ē_t = h_tᵀ h̄_{t+1}
    exp_adjoint(g, xh, Eb, da, E, B);                           // Π L(ξ̂_tᵀ, Ē_t), and E_t
    if (L.mixing) {
      // ξ̂̄_t = Π L(·) + β ξ̂̄_{t+1};  ᾱ += ⟨ξ̂̄_t, ξ_t⟩;  β̄ += ⟨ξ̂̄_t, ξ̂_{t−1}⟩;  Ā_t = α ξ̂̄_t
      launch_axpby(1.0f, da, L.beta, xhb, xhb, step, ctx_.stream);
      launch_dot(xhb, xi, step, dots + 2 * T, dots + 2 * t, ctx_.stream);
      if (t > 0) launch_dot(xhb, L.Xh + (r - B) * nn, step, dots + 2 * T, dots + 2 * t + 1, ctx_.stream);
      launch_axpby(L.alpha, xhb, 0.0f, xhb, da, step, ctx_.stream);
    }
    // h̄_t = h̄_{t+1} E_tᵀ + Uᵀ Ā_t
    matmul(n, B, false, true, 1.0f, hb, nn, E, nn, 0.0f, carry);
    matmul(n, B, true, false, 1.0f, L.U, 0, da, nn, 1.0f, carry);
  }
  launch_group_zero_off_blocks(n, g.block, B, carry, ctx_.stream);  // only the diagonal blocks carry gradient
  cuda_check(cudaMemcpyAsync(hbar0, carry, step * sizeof(float), cudaMemcpyDeviceToDevice, ctx_.stream),
             "group-rnn backward (h̄_0)");
  if (alpha_bar) *alpha_bar = 0;
  if (beta_bar) *beta_bar = 0;
  if (L.mixing) {
    std::vector<double> d(2 * size_t(T));
    download(d.data(), dots, d.size(), "group-rnn backward (α, β dots)");
    double a = 0, b = 0;
    for (int t = 0; t < T; ++t) a += d[2 * t], b += d[2 * t + 1];
    if (alpha_bar) *alpha_bar = a;
    if (beta_bar) *beta_bar = b;
  }
  if (grad_norm) {
    tb_.resize(size_t(T) * B);
    download(tb_.data(), norms, tb_.size(), "group-rnn backward (norms)");
    for (int t = 0; t < T; ++t) {
      double s = 0;
      for (int b = 0; b < B; ++b) s += tb_[size_t(t) * B + b];
      grad_norm[t] = s / B;
    }
  }
}

}  // namespace

std::unique_ptr<GroupOps<float>> make_cuda_group_ops(CudaContext& ctx) { return std::make_unique<CudaGroupOps>(ctx); }

}  // namespace udlab::gpu
