// group-rnn (issue 3): a recurrent LM whose state h_t lives in a subgroup G ⊆ U(d) (core/groups).
// Per layer l, with n×n real matrices (n = d, or 2d for realified complex groups):
//   A_t = mat(W x_t) + U·h_t + B,  ξ_t = Π(A_t),  ξ̂_t = α ξ_t + β ξ̂_{t−1} (--mixing; else ξ̂_t = ξ_t),
//   h_{t+1} = h_t · exp(ξ̂_t),  h_0 = I or exp(Π(P0)) (--learn-h0), left-multiplied by diag(−1, 1, …)
//   with --reflect (O(d) only). With --xi-bound c (udlab's option): h_{t+1} = h_t · exp(σ_c(ξ̂_t)),
//   σ_c(ξ) = c·tanh(‖ξ‖_F/c)·ξ/‖ξ‖_F (core/groups/xi_bound.h), so no step rotates by c/√2 or more.
// x_t = E[token_t] for layer 0 and vec(h_{t+1}) of the layer below otherwise; logits = R·vec(h_{t+1}) + c
// on the last layer; with --readout token-xi (udlab's variant, issue 14) logits = R·[vec(h_{t+1}), vec(ξ_t)]
// + c, ξ_t = Π(A_t) of the last layer, which holds the current input linearly. mat/vec are row-major.
// Tensors: embedding.weight [V,m], layers.{l}.W [n², in], layers.{l}.U [n,n], layers.{l}.B [n,n],
// layers.{l}.alpha [1], layers.{l}.beta [1] (with mixing), layers.{l}.h0 [n,n] (= P0, with learn_h0),
// head.weight [V,n²] ([V,2n²] with token-xi), head.bias [V]. The embedding and the head train at
// lr × io_lr_factor (default 10, udlab's choice): at one lr for all, either they learn slowly or W, U
// and B push ‖ξ‖ past π and training collapses (docs/results-defaults.md).
//
// Initialisation keeps ‖ξ_t‖_F ≈ xi_init (default 0.5) at the start (well inside ‖ξ‖₂ < π, where exp has no aliasing,
// and small enough for a degree-9 Taylor exp without squaring): entries of mat(W x) and U·h are drawn
// with variance g²/2 each, g = xi_init/√dim 𝔤, so that Π keeps ‖ξ‖_F² ≈ dim·g² = xi_init². Concretely
// W ~ N(0, g²/(2·in·var_x)) with var_x = 1 for embeddings ~ N(0,1) and 1/n for vec(h) (an orthogonal
// n×n matrix has Σ entries² = n); U ~ N(0, g²/2) (‖U h‖_F = ‖U‖_F for orthogonal h); B = 0, P0 = 0,
// α = 1, β = 0; head.weight ~ N(0, 0.25/n) so that logits start with std 0.5 (‖vec h‖² = n); c = 0.
//
// The state drifts off the group by float round-off. Every kReorthEvery steps (and at the last step)
// each state whose membership error exceeds cfg.reorth_threshold is re-orthogonalised in place (a
// no-gradient correction); the count is reported as the telemetry scalar "reorth_events".
//
// Recomputation (cfg.recompute_chunk = K > 0, issue 15): the steps are cut into chunks of K. The
// forward pass keeps only each layer's state (and ξ̂ with mixing) at the chunk starts; the backward
// pass walks the chunks from the last, recomputes each chunk's activations from its start state and
// differentiates it, carrying ∂L/∂h (and ∂L/∂ξ̂, ᾱ, β̄ per sequence) back to the chunk before. Activation
// memory falls from O(T·B·n²) per layer to O((K + T/K)·B·n²) for about one extra forward pass. Every
// reduction over positions runs in blocks of kGradBlock steps, in the same order with and without
// chunks, so the gradients are bit-identical (tests/core/test_group_rnn_recompute.cpp).
#pragma once
#include <algorithm>
#include <complex>
#include <vector>

#include "core/groups/group.h"
#include "core/models/lm_head.h"
#include "core/models/model.h"

namespace udlab {

template <class S>
class GroupRnn final : public Model<S> {
 public:
  static constexpr int kReorthEvery = 8;
  // Time steps per block of every GEMM and reduction over positions; chunks are multiples of it.
  static constexpr int kGradBlock = 16;

  GroupRnn(const ModelConfig& cfg, int vocab, Backend<S>& be);

  void init(Rng& rng) override;
  size_t workspace_bytes(int B, int T) const override;
  StepResult forward_backward(const Batch& batch, bool backward, Telemetry* tel) override;
  std::vector<double> predict_next(const std::vector<int32_t>& context) override;

  const Group& group() const { return group_; }
  // Re-orthogonalisations performed by the last forward pass (all layers, all sequences).
  int last_reorth_events() const { return reorth_events_; }

 private:
  struct LayerParams {
    int in = 0;
    int W = -1, U = -1, B = -1, alpha = -1, beta = -1, h0 = -1;
  };
  struct LayerActs {
    Buffer<S> H;     // [(K+1)·B, n²]: h_{t0}..h_{t0+K} of the current chunk, time-major
    Buffer<S> Xi;    // [K·B, n²]: ξ_t = Π(A_t)
    Buffer<S> Xh;    // [K·B, n²]: ξ̂_t (mixing only; otherwise Xi is used)
    Buffer<S> Hs;    // [chunks·B, n²]: h_{t0} of every chunk (recomputation only)
    Buffer<S> Xs;    // [chunks·B, n²]: ξ̂_{t0−1} of every chunk (recomputation with mixing)
    Buffer<S> carry; // [B, n²]: ∂L/∂h_{t0} carried to the chunk before; ∂L/∂h_0 at the end
    Buffer<S> xh_bar;             // [B, n²]: ∂L/∂ξ̂ carried back (recomputation with mixing)
    std::vector<double> ab, bb;   // [B]: ᾱ, β̄ partial sums per sequence
  };

  void check_batch(const Batch& batch) const;
  void resize(int B, int T);
  int chunk_len(int c) const { return std::min(K_, cur_T_ - c * K_); }
  void initial_state(int l, int B);
  // Forward over chunk c, all layers, then the readout (logits, loss; dlogits when want_grad). The
  // first pass also records telemetry and stores the next chunk's start states.
  void forward_chunk(int c, bool first_pass, bool want_grad, Telemetry* tel, XentResult* xr);
  void forward_all(bool want_grad, Telemetry* tel, XentResult* xr);
  void layer_fwd(int l, int c, bool first_pass, Telemetry* tel);
  // Backward over chunk c (its activations in the chunk buffers): readout, layers, embedding.
  void backward_chunk(int c, Telemetry* tel);
  // G [K·B, n²]: ∂L/∂h_{t+1} of the chunk from above (consumed). dx [K·B, in] out (=).
  void layer_bwd(int l, int c, S* G, S* dx, Telemetry* tel);
  void layer_bwd_finish(int l);
  const S* layer_input(int l, int c) const;
  S* xi_hat(int l) { return cfg_mixing() ? acts_[l].Xh.data() : acts_[l].Xi.data(); }
  bool cfg_mixing() const { return this->cfg_.mixing; }
  std::vector<S> read_param(int idx) const;
  void telemetry_chunk(int c);
  void fill_telemetry_forward(Telemetry& tel);

  Group group_;
  GroupSpec g_;
  int n_ = 0, nn_ = 0, L_ = 0, m_ = 0;
  int emb_ = -1;
  LmHead<S> head_;
  std::vector<LayerParams> lp_;

  int cur_B_ = 0, cur_T_ = 0, K_ = 0, chunks_ = 0;
  int reorth_events_ = 0;
  double weight_sum_ = 0;
  Buffer<int32_t> idx_, targets_;
  Buffer<S> weights_;
  Buffer<S> x0_;                 // [T·B, m] embedded inputs
  std::vector<LayerActs> acts_;
  Buffer<S> logits_, dlogits_;   // [K·B, V]
  // --readout token-xi: the readout's input rows [h_{t+1} | ξ_t], their gradient, ∂L/∂A_t of the last
  // layer from the ξ half (projected), Uᵀ of it, [K·B, 2n²], [K·B, 2n²], [K·B, n²], [K·B, n²]; and the
  // chunk-start rows of Uᵀ·xb ([B, n²]), which belong to the chunk before (its last rows of G).
  bool xi_readout_ = false;
  Buffer<S> rd_, rdg_, xb_, ub_, pending_;
  void readout_rows(int rows, size_t r0, const S* top);
  void readout_grad(int l, int c, int Tc, S* G);
  Buffer<S> gA_, gB_;            // [K·B, max(m, n²)] ping-pong gradients between layers
  Buffer<S> dA_;                 // [K·B, n²] ∂L/∂A_t of the layer being differentiated
  Buffer<S> Ebar_;               // [n²]: Ē for P0
  Buffer<S> h0_, p0_;            // [n²] the layer's initial state and Π(P0)
  std::vector<double> tel_membership_;  // [T] max over batch and layers
  std::vector<double> tel_norm_mean_, tel_norm_min_, tel_norm_max_, tel_grad_norm_;  // [T]
  double tel_xi_sum_ = 0, tel_xi_max_ = 0;
  std::vector<std::complex<double>> tel_eig_h_, tel_eig_xi_;  // spectra of h_T and exp(ξ̂_{T−1})
};

}  // namespace udlab
