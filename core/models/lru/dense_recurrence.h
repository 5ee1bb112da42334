// The two lowest rungs of the LRU paper's ablation ladder (issue 14): a dense real recurrence of N
// channels in place of the LRU, inside the same deep block,
//   x_k = σ(A x_{k−1} + B u_k),   y_k = C x_k + D ⊙ u_k,   σ = tanh (--recurrence tanh) or identity (linear).
// Tensors A [N,N], B [N,H], C [H,N], D [H]. A and B play the part of λ and B in the LRU: they train at
// lr × lru_lr_factor without weight decay; C decays, D does not.
// Initialisation: A Glorot-normal, N(0, 1/N) (scaled to spectral radius --glorot-radius if set), drawn exactly as the diagonal rungs' glorot init draws the
// matrix whose eigenvalues they start from (same seed → the diagonal rung is this A diagonalised);
// B ~ N(0, 1/H) and C ~ N(0, 1/N), the real counterparts of the LRU's B, C (the same power per channel);
// D ~ N(0, 1). No ring initialisation and no γ: they are defined for the diagonal rungs only.
// The recurrence is LruOps::dense_seq_fwd/bwd (CPU); the rest are GEMMs over all B·T rows.
#pragma once
#include <Eigen/Eigenvalues>
#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "core/models/lru/lru_init.h"
#include "core/models/lru/lru_mixer.h"
#include "core/util/error.h"

namespace udlab {

template <class S>
class DenseRecurrence final : public LruMixer<S> {
 public:
  DenseRecurrence(const ModelConfig& cfg, int H, ParamStore<S>& ps, const std::string& prefix)
      : H_(H), N_(cfg.state), tanh_(cfg.recurrence == "tanh"), glorot_radius_(cfg.glorot_radius), ps_(ps) {
    if (H <= 0 || N_ <= 0) throw Error("lru: hidden and state sizes must be positive");
    const double f = cfg.lru_lr_factor;
    A_ = ps.add(prefix + "A", {N_, N_}, false, f);
    B_ = ps.add(prefix + "B", {N_, H}, false, f);
    C_ = ps.add(prefix + "C", {H, N_});
    D_ = ps.add(prefix + "D", {H}, false);
  }

  void init(Rng& rng) override {
    Rng lam_rng(rng.next_u64()), w_rng(rng.next_u64());
    this->upload(ps_, A_, lru_glorot_matrix(N_, lam_rng, glorot_radius_));
    this->upload(ps_, B_, this->normals(size_t(N_) * H_, std::sqrt(1.0 / H_), w_rng));
    this->upload(ps_, C_, this->normals(size_t(H_) * N_, std::sqrt(1.0 / N_), w_rng));
    this->upload(ps_, D_, this->normals(size_t(H_), 1.0, w_rng));
  }

  void forward(Backend<S>& be, const S* u, S* y, int B, int T, LruScanMethod) override {
    Bs_ = B;
    Ts_ = T;
    const int M = B * T;
    auto& d = be.dense();
    x_.resize(be, size_t(M) * N_);
    d.gemm(false, true, M, N_, H_, S(1), u, H_, ps_.value(B_), H_, S(0), x_.data(), N_);
    be.lru().dense_seq_fwd(ps_.value(A_), x_.data(), B, T, N_, tanh_);
    d.gemm(false, true, M, H_, N_, S(1), x_.data(), N_, ps_.value(C_), N_, S(0), y, H_);
    be.lru().skip_fwd(ps_.value(D_), u, y, M, H_);
  }

  // d_re receives ∂ℓ/∂(A x + B u); d_im is not used. delta_norms: ‖∂ℓ/∂(preactivation)‖ per row (equal to
  // ‖∂ℓ/∂x_k‖ for the linear rung).
  void backward(Backend<S>& be, const S* u, const S* g, S* du, S* d_re, S*, LruScanMethod,
                S* delta_norms) override {
    const int M = Bs_ * Ts_;
    auto& d = be.dense();
    be.lru().skip_bwd(ps_.value(D_), u, g, du, ps_.grad(D_), M, H_);
    d.gemm(true, false, H_, N_, M, S(1), g, H_, x_.data(), N_, S(1), ps_.grad(C_), N_);
    d.gemm(false, false, M, N_, H_, S(1), g, H_, ps_.value(C_), N_, S(0), d_re, N_);
    be.lru().dense_seq_bwd(ps_.value(A_), x_.data(), d_re, Bs_, Ts_, N_, tanh_);
    if (delta_norms) be.rnn().row_norms(d_re, delta_norms, M, N_);
    // ∂A = Σ_b Σ_{t>=1} ∂pre[b,t]ᵀ x[b,t−1]: one GEMM per sequence over its T − 1 shifted rows.
    for (int b = 0; b < Bs_ && Ts_ > 1; ++b) {
      const size_t r = size_t(b) * Ts_ * N_;
      d.gemm(true, false, N_, N_, Ts_ - 1, S(1), d_re + r + N_, N_, x_.data() + r, N_, S(1), ps_.grad(A_), N_);
    }
    d.gemm(true, false, N_, H_, M, S(1), d_re, N_, u, H_, S(1), ps_.grad(B_), H_);
    d.gemm(false, false, M, H_, N_, S(1), d_re, N_, ps_.value(B_), H_, S(1), du, H_);
  }

  void state_norms(Backend<S>& be, S* out) override { be.rnn().row_norms(x_.data(), out, Bs_ * Ts_, N_); }

  std::vector<std::complex<double>> eigenvalues() override {
    std::vector<S> a(size_t(N_) * N_);
    ps_.device().download_bytes(a.data(), ps_.value(A_), a.size() * sizeof(S));
    Eigen::MatrixXd m(N_, N_);
    for (int i = 0; i < N_; ++i)
      for (int j = 0; j < N_; ++j) m(i, j) = double(a[size_t(i) * N_ + j]);
    Eigen::EigenSolver<Eigen::MatrixXd> es(m, /*computeEigenvectors=*/false);
    if (es.info() != Eigen::Success) return {};
    auto ev = es.eigenvalues();
    return std::vector<std::complex<double>>(ev.data(), ev.data() + ev.size());
  }
  std::vector<double> nu() override {
    std::vector<double> out;
    for (auto l : eigenvalues()) out.push_back(-std::log(std::abs(l)));
    return out;
  }
  size_t owned_bytes() const override { return x_.size() * sizeof(S); }

 private:

  int H_, N_;
  bool tanh_;
  double glorot_radius_;
  ParamStore<S>& ps_;
  int A_ = -1, B_ = -1, C_ = -1, D_ = -1;
  int Bs_ = 0, Ts_ = 0;
  Buffer<S> x_;  // [B,T,N] the states
};

}  // namespace udlab
