// One LRU layer exactly as the paper's appendix code (math-notes §5.1–5.3):
//   λ = exp(−exp(ν_log) + i·exp(θ_log)),  x_k = λ ⊙ x_{k−1} + exp(γ_log) ⊙ (B u_k),  y_k = Re(C x_k) + D ⊙ u_k.
// B·u and C·x are real GEMMs over all B×T rows at once; the recurrence is LruOps::scan.
// With cfg.lru_gamma == false the tensor gamma_log does not exist and γ is exactly 1.
//
// The ablation ladder's diagonal rungs (cfg.lru_param) change only how λ is parameterised:
//   stable-exp  nu_log, theta_log   (above; the LRU)
//   exp         nu, theta           λ = exp(−ν + iθ): nothing keeps |λ| < 1
//   real-im     lambda_re, lambda_im  λ = a + ib
// All three start from the same λ for the same seed. For exp and real-im, λ and the chain rule from
// ∂ℓ/∂λ (LruOps::lambda_sum) to the parameters run on the host in double: N numbers per step.
#pragma once
#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/models/lru/lru_init.h"
#include "core/models/lru/lru_mixer.h"
#include "core/models/model_config.h"
#include "core/tensor/param_store.h"
#include "core/util/error.h"
#include "core/util/rng.h"

namespace udlab {

template <class S>
class LruLayer final : public LruMixer<S> {
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
    if (cfg.lru_param != "stable-exp" && cfg.lru_param != "exp" && cfg.lru_param != "real-im")
      throw Error("lru: the diagonal layer takes lru_param stable-exp, exp or real-im (got '" + cfg.lru_param + "')");
    param_ = cfg.lru_param;
    const char* n0 = param_ == "stable-exp" ? "nu_log" : param_ == "exp" ? "nu" : "lambda_re";
    const char* n1 = param_ == "stable-exp" ? "theta_log" : param_ == "exp" ? "theta" : "lambda_im";
    p0_ = ps.add(prefix + n0, {N_}, false, f);
    p1_ = ps.add(prefix + n1, {N_}, false, f);
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
  // derived from it) and nothing else for the same seed. Glorot: real-im and exp start from the exact
  // eigenvalues (lru_glorot_eigenvalues), stable-exp from them clamped to |λ| <= kLruGlorotMaxRadius, the
  // only λ it can represent; γ (defined for |λ| < 1 only) always from the clamped |λ|.
  void init(Rng& rng) override {
    Rng lam_rng(rng.next_u64()), w_rng(rng.next_u64());
    LruEigenInit e;
    std::vector<double> p0(N_), p1(N_);
    if (cfg_.lru_init == "glorot") {
      std::vector<std::complex<double>> lam = lru_glorot_eigenvalues(N_, lam_rng, cfg_.glorot_radius);
      e.nu_log.resize(N_);
      e.theta_log.resize(N_);
      e.gamma_log.resize(N_);
      for (int n = 0; n < N_; ++n) {
        lru_stable_from_eigenvalue(lam[n], &e.nu_log[n], &e.theta_log[n], &e.gamma_log[n]);
        p0[n] = param_ == "real-im" ? lam[n].real() : param_ == "exp" ? -std::log(std::abs(lam[n])) : e.nu_log[n];
        p1[n] = param_ == "real-im" ? lam[n].imag() : param_ == "exp" ? std::arg(lam[n]) : e.theta_log[n];
      }
    } else {
      e = lru_ring_init(N_, cfg_.r_min, cfg_.r_max, cfg_.max_phase, lam_rng);
      for (int n = 0; n < N_; ++n) {
        double nu = std::exp(e.nu_log[n]), th = std::exp(e.theta_log[n]);
        p0[n] = param_ == "real-im" ? std::exp(-nu) * std::cos(th) : param_ == "exp" ? nu : e.nu_log[n];
        p1[n] = param_ == "real-im" ? std::exp(-nu) * std::sin(th) : param_ == "exp" ? th : e.theta_log[n];
      }
    }
    this->upload(ps_, p0_, p0);
    this->upload(ps_, p1_, p1);
    if (has_gamma()) this->upload(ps_, gamma_log_, e.gamma_log);
    this->upload(ps_, B_re_, this->normals(size_t(N_) * H_, std::sqrt(1.0 / (2.0 * H_)), w_rng));
    this->upload(ps_, B_im_, this->normals(size_t(N_) * H_, std::sqrt(1.0 / (2.0 * H_)), w_rng));
    this->upload(ps_, C_re_, this->normals(size_t(H_) * N_, std::sqrt(1.0 / N_), w_rng));
    this->upload(ps_, C_im_, this->normals(size_t(H_) * N_, std::sqrt(1.0 / N_), w_rng));
    this->upload(ps_, D_, this->normals(size_t(H_), 1.0, w_rng));
  }

  // Bytes of activations this layer keeps for backward at M = B·T rows (b and x, complex).
  void forward(Backend<S>& be, const S* u, S* y, int B, int T, LruScanMethod method) override {
    forward(be, u, y, B, T, method, kLruDefaultChunk);
  }
  void backward(Backend<S>& be, const S* u, const S* g, S* du, S* d_re, S* d_im, LruScanMethod method,
                S* delta_norms) override {
    backward(be, u, g, du, d_re, d_im, method, kLruDefaultChunk, delta_norms);
  }

  // u [B,T,H] → y [B,T,H] (=). Keeps b = γ ⊙ Bu and the states x for backward; u must stay alive.
  void forward(Backend<S>& be, const S* u, S* y, int B, int T, LruScanMethod method, int chunk) {
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
    if (param_ == "stable-exp") {
      l.lambda(ps_.value(p0_), ps_.value(p1_), lam_re_.data(), lam_im_.data(), N_);
    } else {
      std::vector<std::complex<double>> lam = lambda_host();
      std::vector<S> re(N_), im(N_);
      for (int n = 0; n < N_; ++n) {
        re[n] = S(lam[n].real());
        im[n] = S(lam[n].imag());
      }
      lam_re_.upload(re);
      lam_im_.upload(im);
    }
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
  void backward(Backend<S>& be, const S* u, const S* g, S* du, S* d_re, S* d_im, LruScanMethod method, int chunk,
                S* delta_norms = nullptr) {
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
    if (param_ == "stable-exp")
      l.lambda_grad(ps_.value(p0_), ps_.value(p1_), lam_re_.data(), lam_im_.data(), x_re_.data(),
                    x_im_.data(), d_re, d_im, B_, T_, N_, ps_.grad(p0_), ps_.grad(p1_));
    else
      lambda_param_grad(be, d_re, d_im);
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
  void state_norms(Backend<S>& be, S* out) override {
    be.lru().row_norms(x_re_.data(), x_im_.data(), B_ * T_, N_, out);
  }
  std::vector<std::complex<double>> eigenvalues() override { return lambda_host(); }
  std::vector<double> nu() override {
    std::vector<double> p0 = download(p0_), out(N_);
    if (param_ == "real-im") {
      std::vector<double> p1 = download(p1_);
      for (int n = 0; n < N_; ++n) out[n] = -std::log(std::hypot(p0[n], p1[n]));
    } else {
      for (int n = 0; n < N_; ++n) out[n] = param_ == "exp" ? p0[n] : std::exp(p0[n]);
    }
    return out;
  }
  // Bytes of the buffers this layer owns right now (workspace_bytes is checked against this).
  size_t owned_bytes() const override {
    return (lam_re_.size() + lam_im_.size() + b_re_.size() + b_im_.size() + x_re_.size() + x_im_.size() +
            s_re_.size() + s_im_.size()) * sizeof(S);
  }

 private:
  std::vector<double> download(int idx) const {
    std::vector<S> v(N_);
    ps_.device().download_bytes(v.data(), ps_.value(idx), N_ * sizeof(S));
    return std::vector<double>(v.begin(), v.end());
  }
  // λ from the current parameters, in double (for stable-exp, as LruOps::lambda computes it).
  std::vector<std::complex<double>> lambda_host() const {
    std::vector<double> p0 = download(p0_), p1 = download(p1_);
    std::vector<std::complex<double>> lam(N_);
    for (int n = 0; n < N_; ++n) {
      if (param_ == "real-im") {
        lam[n] = {p0[n], p1[n]};
      } else {
        double nu = param_ == "exp" ? p0[n] : std::exp(p0[n]);
        double th = std::fmod(param_ == "exp" ? p1[n] : std::exp(p1[n]), 6.283185307179586);
        lam[n] = std::polar(std::exp(-nu), th);
      }
    }
    return lam;
  }
  // exp and real-im: s = ∂ℓ/∂λ = Σ conj(x_{k−1}) δ_k from the backend, then (math-notes §0 conventions)
  //   real-im: ∂ℓ/∂a = Re s, ∂ℓ/∂b = Im s;   exp: with G = conj(λ) s, ∂ℓ/∂ν = −Re G, ∂ℓ/∂θ = Im G.
  void lambda_param_grad(Backend<S>& be, const S* d_re, const S* d_im) {
    s_re_.resize(be, N_);
    s_im_.resize(be, N_);
    be.lru().lambda_sum(x_re_.data(), x_im_.data(), d_re, d_im, B_, T_, N_, s_re_.data(), s_im_.data());
    std::vector<S> sr = s_re_.download(), si = s_im_.download(), lr = lam_re_.download(), li = lam_im_.download();
    std::vector<S> g0(N_), g1(N_);
    ps_.device().download_bytes(g0.data(), ps_.grad(p0_), N_ * sizeof(S));
    ps_.device().download_bytes(g1.data(), ps_.grad(p1_), N_ * sizeof(S));
    for (int n = 0; n < N_; ++n) {
      double a = sr[n], b = si[n];
      if (param_ == "exp") {
        double g_re = double(lr[n]) * a + double(li[n]) * b, g_im = double(lr[n]) * b - double(li[n]) * a;
        a = -g_re;
        b = g_im;
      }
      g0[n] += S(a);
      g1[n] += S(b);
    }
    ps_.device().upload_bytes(ps_.grad(p0_), g0.data(), N_ * sizeof(S));
    ps_.device().upload_bytes(ps_.grad(p1_), g1.data(), N_ * sizeof(S));
  }


  ModelConfig cfg_;
  std::string param_;
  int H_, N_;
  ParamStore<S>& ps_;
  int p0_ = -1, p1_ = -1,  // the two λ parameters (nu_log/theta_log, nu/theta or lambda_re/lambda_im)
      gamma_log_ = -1, B_re_ = -1, B_im_ = -1, C_re_ = -1, C_im_ = -1, D_ = -1;
  int B_ = 0, T_ = 0;
  Buffer<S> lam_re_, lam_im_, b_re_, b_im_, x_re_, x_im_;
  Buffer<S> s_re_, s_im_;  // [N] ∂ℓ/∂λ (exp, real-im only)
};

}  // namespace udlab
