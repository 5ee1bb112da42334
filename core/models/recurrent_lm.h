// The skeleton shared by the classical recurrent baselines (lstm, rnn-tanh):
//   embedding [V,E] → L recurrent layers (hidden H) → linear head [V,H] + bias [V].
// Layer k has PyTorch nn.LSTM / nn.RNN tensors rnn.weight_ih_l{k} [G·H, in], rnn.weight_hh_l{k}
// [G·H, H], rnn.bias_ih_l{k} [G·H], rnn.bias_hh_l{k} [G·H], with G = 4 (LSTM gates) or 1 (tanh RNN).
//
// Everything except the pointwise cell is shared and GEMM-shaped: the input projection of a layer is
// one GEMM over all B·T tokens, only the [B,G·H] += h_{t-1} W_hh^T product runs step by step, and the
// weight gradients are one GEMM each over all steps after the backward loop. A subclass supplies the
// sequential part (an RnnOps sequence kernel, forward and backward) and its own per-layer buffers.
//
// Activations are time-major: row t·B + b of a [T·B, ·] buffer is sequence b at step t, so the rows
// of one step form a contiguous [B, ·] block.
#pragma once
#include <vector>

#include "core/models/lm_head.h"
#include "core/models/model.h"

namespace udlab {

template <class S>
class RecurrentLm : public Model<S> {
 public:
  // G: preactivation rows per hidden unit (4 for LSTM, 1 for tanh RNN).
  RecurrentLm(const ModelConfig& cfg, int vocab, Backend<S>& be, int G);

  void init(Rng& rng) override;
  size_t workspace_bytes(int B, int T) const override;
  StepResult forward_backward(const Batch& batch, bool backward, Telemetry* tel) override;
  std::vector<double> predict_next(const std::vector<int32_t>& context) override;

 protected:
  // The sequential part of layer k over all T steps (an RnnOps sequence kernel).
  // pre [T·B,G·H]: in: x_t W_ih^T + b_ih + b_hh; the cell may overwrite it with what its backward
  // needs. w_hh [G·H,H]. h [T·B,H] out.
  virtual void seq_fwd(int k, S* pre, const S* w_hh, S* h, int B, int T) = 0;
  // pre, h: as left by seq_fwd. dh [T·B,H]: in: ∂L/∂h_t from above; out: over all paths.
  // dpre [T·B,G·H] out (overwrite).
  virtual void seq_bwd(int k, const S* pre, const S* w_hh, const S* h, S* dh, S* dpre, int B, int T) = 0;
  // Called before the forward pass of a batch so the cell can size its buffers.
  virtual void cell_resize(int B, int T) = 0;
  // Activation elements the cell keeps beyond the shared buffers (for workspace_bytes).
  virtual double cell_workspace_elems(int B, int T) const = 0;
  // Called at the start of every forward pass (orth-rnn computes W = exp(Π(A)) here, once per batch);
  // and after the backward pass has written every gradient (orth-rnn maps ∂L/∂W onto ∂L/∂A).
  virtual void before_forward() {}
  virtual void after_backward() {}
  // Extra diagnostics of the cell (eigenvalues and the like); called only when telemetry is asked for.
  virtual void cell_telemetry(Telemetry& tel) {}

  int E() const { return this->cfg_.embed; }
  int H() const { return this->cfg_.hidden; }
  int L() const { return this->cfg_.layers; }
  int G() const { return G_; }
  // Parameter indices of layer k.
  int w_hh(int k) const { return w_hh_[k]; }

 private:
  void check_batch(const Batch& batch) const;
  void resize(int B, int T);
  // Forward of all layers on the time-major ids already in idx_; leaves h of the top layer in out_.back().
  void forward_layers(int B, int T);
  void layer_fwd(int k, int B, int T);
  // dh_in [T·B,H]: ∂L/∂h from above; becomes the total ∂L/∂h_t. dx [T·B,in] out (overwrite).
  void layer_bwd(int k, S* dh, S* dx, int B, int T);
  std::vector<double> profile_of_norms(const S* x, int B, int T, std::vector<double>* mn,
                                       std::vector<double>* mx);

  int G_;
  int emb_ = -1;
  LmHead<S> head_;
  std::vector<int> w_ih_, w_hh_, b_ih_, b_hh_;

  // Activation buffers (kept between steps; resized only when B or T changes).
  int cur_B_ = 0, cur_T_ = 0;
  Buffer<int32_t> idx_, targets_;
  Buffer<S> weights_;
  Buffer<S> x0_;                  // [T·B,E] embedded inputs
  std::vector<Buffer<S>> pre_;    // per layer [T·B,G·H]
  std::vector<Buffer<S>> out_;    // per layer [T·B,H]
  Buffer<S> dpre_;                // [T·B,G·H], reused by every layer's backward
  Buffer<S> dA_, dB_;             // [T·B,max(E,H)] ping-pong: ∂L/∂(layer output), ∂L/∂(layer input)
  Buffer<S> logits_, dlogits_;    // [T·B,V]
  Buffer<S> bias_sum_;            // [G·H] b_ih + b_hh of the layer being run
  Buffer<S> norms_;               // [T·B] telemetry row norms
};

}  // namespace udlab
