// `orth-rnn`: the group on the recurrent WEIGHTS (uRNN, expRNN, scoRNN), beside group-rnn's group-valued
// states. Layer k: h_t = σ(W_k h_{t−1} + V_k x_t + b_k), W_k = exp(Π_G(A_k)), with G any udlab group at
// size d (realified for complex groups: hidden width n = d or 2d) and σ = modReLU (uRNN/expRNN) or tanh.
//
// It is RecurrentLm's skeleton with two changes: the tensor rnn.generator_hh_l{k} [n,n] holds A_k (no
// weight decay, lr × orth_lr_factor), and W_k is computed from it once per forward pass (not per token)
// by the group family's exp; the backward maps ∂L/∂W_k onto ∂L/∂A_k with the group's exp adjoint, which
// includes Π. With modReLU each layer has one more tensor, rnn.modrelu_bias_l{k} [n/p] (p = 2 for complex
// groups: the modulus of a realified (Re, Im) pair, as in uRNN).
// Initialisations of A (expRNN): henaff (2×2 rotation blocks, angles U(−π, π)), cayley (angles
// −tan(s/2), s ~ U(0, π/2)), identity (A = 0); each then projected onto 𝔤.
#pragma once
#include <vector>

#include "core/groups/group.h"
#include "core/models/recurrent_lm.h"

namespace udlab {

template <class S>
class OrthRnnModel final : public RecurrentLm<S> {
 public:
  OrthRnnModel(const ModelConfig& cfg, int vocab, Backend<S>& be);
  void init(Rng& rng) override;
  const Group& group() const { return group_; }
  // W_k as last computed (host copy), for tests and telemetry.
  std::vector<S> recurrent_weight(int k);

 protected:
  void seq_fwd(int k, S* pre, const S* w_hh, S* h, int B, int T) override;
  void seq_bwd(int k, const S* pre, const S* w_hh, const S* h, S* dh, S* dpre, int B, int T) override;
  void cell_resize(int B, int T) override {}
  double cell_workspace_elems(int B, int T) const override { return 4.0 * this->L() * this->H() * this->H(); }
  void cell_telemetry(Telemetry& tel) override;
  void before_forward() override;
  void after_backward() override;

 private:
  bool modrelu() const { return this->cfg_.orth_act == "modrelu"; }
  int pair() const { return group_.is_complex() ? 2 : 1; }

  Group group_;
  std::vector<int> mod_bias_;                   // modReLU bias tensor per layer
  std::vector<Buffer<S>> X_, W_;                // per layer: Π(A_k) and W_k = exp(Π(A_k)), [n²] each
  Buffer<S> scratch_;                           // [n²]
};

}  // namespace udlab
