// One LRU layer exactly as the paper's appendix code (math-notes §5.1–5.3):
//   λ = exp(−exp(ν_log) + i·exp(θ_log)),  x_k = λ ⊙ x_{k−1} + exp(γ_log) ⊙ (B u_k),  y_k = Re(C x_k) + D ⊙ u_k.
// B·u and C·x are real GEMMs over all B×T rows at once; the recurrence is LruOps::scan.
// With cfg.lru_gamma == false the tensor gamma_log does not exist and γ is exactly 1.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/models/lru/lru_init.h"
#include "core/models/model_config.h"
#include "core/tensor/param_store.h"
#include "core/util/error.h"
#include "core/util/rng.h"

namespace udlab {

template <class S>
class LruLayer {
 public:
  // Declares the layer's tensors as prefix + name (e.g. "blocks.0.lru.nu_log"). ν_log, θ_log, γ_log,
  // B_re and B_im train at lr × cfg.lru_lr_factor without weight decay (paper §5.5); C is a matrix
  // and decays, D (a per-feature vector) does not.
  LruLayer(const ModelConfig& cfg, int H, ParamStore<S>& ps, const std::string& prefix)
      : cfg_(cfg), H_(H), N_(cfg.state), ps_(ps) {
    if (H <= 0) throw Error("lru: hidden size must be positive");
    if (N_ <= 0) throw Error("lru: state size must be positive (got " + std::to_string(N_) + ")");
    if (cfg.lru_init != "ring" && cfg.lru_init != "glorot")
      throw Error("lru: lru_init must be ring or glorot (got '" + cfg.lru_init + "')");
    const double f = cfg.lru_lr_factor;
    nu_log_ = ps.add(prefix + "nu_log", {N_}, false, f);
    theta_log_ = ps.add(prefix + "theta_log", {N_}, false, f);
    if (cfg.lru_gamma) gamma_log_ = ps.add(prefix + "gamma_log", {N_}, false, f);
    B_re_ = ps.add(prefix + "B_re", {N_, H}, false, f);
    B_im_ = ps.add(prefix + "B_im", {N_, H}, false, f);
    C_re_ = ps.add(prefix + "C_re", {H, N_});
    C_im_ = ps.add(prefix + "C_im", {H, N_});
    D_ = ps.add(prefix + "D", {H}, false);
  }

  int state() const { return N_; }
  bool has_gamma() const { return gamma_log_ >= 0; }

  // Draws λ from one sub-stream and B, C, D from another, so that lru_init = glorot changes λ (and the γ
  // derived from it) and nothing else for the same seed.
  void init(Rng& rng) {
    Rng lam_rng(rng.next_u64()), w_rng(rng.next_u64());
    LruEigenInit e = cfg_.lru_init == "glorot" ? lru_glorot_init(N_, lam_rng)
                                               : lru_ring_init(N_, cfg_.r_min, cfg_.r_max, cfg_.max_phase, lam_rng);
    upload(nu_log_, e.nu_log);
    upload(theta_log_, e.theta_log);
    if (has_gamma()) upload(gamma_log_, e.gamma_log);
    upload(B_re_, normals(size_t(N_) * H_, std::sqrt(1.0 / (2.0 * H_)), w_rng));
    upload(B_im_, normals(size_t(N_) * H_, std::sqrt(1.0 / (2.0 * H_)), w_rng));
    upload(C_re_, normals(size_t(H_) * N_, std::sqrt(1.0 / N_), w_rng));
    upload(C_im_, normals(size_t(H_) * N_, std::sqrt(1.0 / N_), w_rng));
    upload(D_, normals(size_t(H_), 1.0, w_rng));
  }

  // Bytes of activations this layer keeps for backward at M = B·T rows (b and x, complex).
  static size_t saved_bytes(size_t M, int N) { return 4 * M * size_t(N) * sizeof(S) + 2 * size_t(N) * sizeof(S); }

  // u [B,T,H] → y [B,T,H] (=). Keeps b = γ ⊙ Bu and the states x for backward; u must stay alive.
  void forward(Backend<S>& be, const S* u, S* y, int B, int T, LruScanMethod method,
               int chunk = kLruDefaultChunk) {
    B_ = B;
    T_ = T;
    const int M = B * T;
    auto& d = be.dense();
    auto& l = be.lru();
    lam_re_.resize(be, N_);
    lam_im_.resize(be, N_);
    b_re_.resize(be, size_t(M) * N_);
    b_im_.resize(be, size_t(M) * N_);
    x_re_.resize(be, size_t(M) * N_);
    x_im_.resize(be, size_t(M) * N_);
    l.lambda(ps_.value(nu_log_), ps_.value(theta_log_), lam_re_.data(), lam_im_.data(), N_);
    d.gemm(false, true, M, N_, H_, S(1), u, H_, ps_.value(B_re_), H_, S(0), b_re_.data(), N_);
    d.gemm(false, true, M, N_, H_, S(1), u, H_, ps_.value(B_im_), H_, S(0), b_im_.data(), N_);
    if (has_gamma()) l.gamma_scale(ps_.value(gamma_log_), b_re_.data(), b_im_.data(), M, N_);
    l.scan(lam_re_.data(), lam_im_.data(), b_re_.data(), b_im_.data(), x_re_.data(), x_im_.data(), B, T, N_,
           false, method, chunk);
    // y = Re(C x) = C_re x_re − C_im x_im
    d.gemm(false, true, M, H_, N_, S(1), x_re_.data(), N_, ps_.value(C_re_), N_, S(0), y, H_);
    d.gemm(false, true, M, H_, N_, S(-1), x_im_.data(), N_, ps_.value(C_im_), N_, S(1), y, H_);
    l.skip_fwd(ps_.value(D_), u, y, M, H_);
  }

  // g = ∂ℓ/∂y [B,T,H] → du (=); parameter gradients +=. d_re, d_im are caller scratch of [B,T,N].
  // delta_norms (may be nullptr) receives ‖δ_k‖ = ‖∂ℓ/∂x_k‖ per row [B·T], for telemetry.
  void backward(Backend<S>& be, const S* u, const S* g, S* du, S* d_re, S* d_im, LruScanMethod method,
                int chunk = kLruDefaultChunk, S* delta_norms = nullptr) {
    const int M = B_ * T_;
    auto& d = be.dense();
    auto& l = be.lru();
    l.skip_bwd(ps_.value(D_), u, g, du, ps_.grad(D_), M, H_);
    d.gemm(true, false, H_, N_, M, S(1), g, H_, x_re_.data(), N_, S(1), ps_.grad(C_re_), N_);
    d.gemm(true, false, H_, N_, M, S(-1), g, H_, x_im_.data(), N_, S(1), ps_.grad(C_im_), N_);
    // e = Cᴴ g: e_re = C_reᵀ g, e_im = −C_imᵀ g; then δ_k = e_k + conj(λ) δ_{k+1}.
    d.gemm(false, false, M, N_, H_, S(1), g, H_, ps_.value(C_re_), N_, S(0), d_re, N_);
    d.gemm(false, false, M, N_, H_, S(-1), g, H_, ps_.value(C_im_), N_, S(0), d_im, N_);
    l.scan(lam_re_.data(), lam_im_.data(), d_re, d_im, d_re, d_im, B_, T_, N_, true, method, chunk);
    if (delta_norms) l.row_norms(d_re, d_im, M, N_, delta_norms);
    l.lambda_grad(ps_.value(nu_log_), ps_.value(theta_log_), lam_re_.data(), lam_im_.data(), x_re_.data(),
                  x_im_.data(), d_re, d_im, B_, T_, N_, ps_.grad(nu_log_), ps_.grad(theta_log_));
    if (has_gamma()) {
      l.gamma_grad(b_re_.data(), b_im_.data(), d_re, d_im, M, N_, ps_.grad(gamma_log_));
      l.gamma_scale(ps_.value(gamma_log_), d_re, d_im, M, N_);  // now ∂ℓ/∂(Bu) = γ ⊙ δ
    }
    d.gemm(true, false, N_, H_, M, S(1), d_re, N_, u, H_, S(1), ps_.grad(B_re_), H_);
    d.gemm(true, false, N_, H_, M, S(1), d_im, N_, u, H_, S(1), ps_.grad(B_im_), H_);
    d.gemm(false, false, M, H_, N_, S(1), d_re, N_, ps_.value(B_re_), H_, S(1), du, H_);
    d.gemm(false, false, M, H_, N_, S(1), d_im, N_, ps_.value(B_im_), H_, S(1), du, H_);
  }

  const S* state_re() const { return x_re_.data(); }
  const S* state_im() const { return x_im_.data(); }
  int nu_log_index() const { return nu_log_; }
  int theta_log_index() const { return theta_log_; }
  // Bytes of the buffers this layer owns right now (workspace_bytes is checked against this).
  size_t owned_bytes() const {
    return (lam_re_.size() + lam_im_.size() + b_re_.size() + b_im_.size() + x_re_.size() +
            x_im_.size()) * sizeof(S);
  }

 private:
  static std::vector<double> normals(size_t n, double sd, Rng& rng) {
    std::vector<double> v(n);
    for (auto& x : v) x = sd * rng.normal();
    return v;
  }
  void upload(int idx, const std::vector<double>& host) {
    std::vector<S> v(host.begin(), host.end());
    ps_.device().upload_bytes(ps_.value(idx), v.data(), v.size() * sizeof(S));
  }

  ModelConfig cfg_;
  int H_, N_;
  ParamStore<S>& ps_;
  int nu_log_ = -1, theta_log_ = -1, gamma_log_ = -1, B_re_ = -1, B_im_ = -1, C_re_ = -1, C_im_ = -1, D_ = -1;
  int B_ = 0, T_ = 0;
  Buffer<S> lam_re_, lam_im_, b_re_, b_im_, x_re_, x_im_;
};

}  // namespace udlab
