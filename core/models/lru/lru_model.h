// The deep LRU language model (`--model lru`, issue 4; math-notes §5.4):
//   embedding [V,H] → L pre-norm residual blocks
//       x ← x + Dropout(GLU(GELU(LRU(LayerNorm(x))))),   GLU(z) = (W1 z + b1) ⊙ σ(W2 z + b2)
//   → final LayerNorm → linear head [V,H] + bias [V].
// The recurrent layer is the LRU or, for the LRU paper's ablation ladder, a lower rung (lru_mixer.h).
// LayerNorm (eps 1e-5, affine) replaces the paper's BatchNorm because BatchNorm statistics over
// batch × time would leak future positions into causal language modelling. GELU is the exact erf form.
//
// Activations are batch-major: row b·T + t of a [B·T, ·] buffer is sequence b at step t, the layout
// the scan wants ([B,T,N], channels fastest).
//
// The scan method comes from the environment variable UDLAB_LRU_SCAN: "chunked" (default, the
// parallel chunked scan) or "loop" (the sequential reference), read when the model is built.
#pragma once
#include <memory>
#include <vector>

#include "core/models/lru/lru_mixer.h"
#include "core/models/lm_head.h"
#include "core/models/model.h"

namespace udlab {

// Parses UDLAB_LRU_SCAN (unset or "chunked" → kChunked, "loop" → kLoop); anything else is a udlab::Error.
LruScanMethod lru_scan_method_from_env();

template <class S>
class LruModel : public Model<S> {
 public:
  LruModel(const ModelConfig& cfg, int vocab, Backend<S>& be);

  void init(Rng& rng) override;
  Rng* dropout_rng() override { return this->cfg_.dropout > 0 ? &drop_rng_ : nullptr; }
  size_t workspace_bytes(int B, int T) const override;
  StepResult forward_backward(const Batch& batch, bool backward, Telemetry* tel) override;
  std::vector<double> predict_next(const std::vector<int32_t>& context) override;

  // Activation and scratch bytes the model allocates for (B, T), excluding GEMM-internal packing.
  size_t activation_bytes(int B, int T) const;
  // Bytes of the buffers held right now (tests compare it with activation_bytes).
  size_t owned_bytes() const;
  LruScanMethod scan_method() const { return method_; }
  void set_scan_method(LruScanMethod m) { method_ = m; }

 private:
  int H() const { return this->cfg_.hidden; }
  int N() const { return this->cfg_.state; }
  int L() const { return this->cfg_.layers; }
  void check_batch(const Batch& batch) const;
  void resize(int B, int T);
  // Runs embedding → blocks → final LayerNorm on the ids in idx_; leaves the normed output in hf_.
  void forward_trunk(int B, int T, bool train);
  void block_fwd(int l, int B, int T, bool train);
  // dx: ∂L/∂(block output) in, ∂L/∂(block input) out.
  void block_bwd(int l, S* dx, int B, int T, Telemetry* tel);
  void draw_mask(int l, size_t n);
  std::vector<double> profile(const S* norms, int B, int T, std::vector<double>* mn, std::vector<double>* mx);
  void eigen_telemetry(Telemetry& tel);

  LruScanMethod method_;
  int emb_ = -1, normf_w_ = -1, normf_b_ = -1;
  LmHead<S> head_;
  struct BlockParams { int norm_w, norm_b, w1, b1, w2, b2; };
  std::vector<BlockParams> bp_;
  std::vector<std::unique_ptr<LruMixer<S>>> lru_;  // the LRU, or a lower ablation rung
  Rng drop_rng_;

  int cur_B_ = 0, cur_T_ = 0;
  Buffer<int32_t> idx_, targets_;
  Buffer<S> weights_;
  std::vector<Buffer<S>> xin_;              // L+1 residual streams [M,H]; xin_[0] = embedding output
  std::vector<Buffer<S>> u_, mean_, rstd_;  // per block: LayerNorm output [M,H], its mean/rstd [M]
  std::vector<Buffer<S>> r_, z_, a_, s_;    // per block: LRU out, GELU out, W1 branch, sigmoid gate [M,H]
  std::vector<Buffer<S>> mask_;             // per block dropout mask [M,H] (only with dropout > 0)
  Buffer<S> hf_, meanf_, rstdf_;            // final LayerNorm
  Buffer<S> logits_, dlogits_;              // [M,V]
  Buffer<S> dx_, t1_, t2_, t3_;             // backward scratch [M,H]
  Buffer<S> d_re_, d_im_;                   // backward scratch [M,N]: δ of the block being run
  Buffer<S> norms_;                         // [M] telemetry row norms
};

}  // namespace udlab
