// `rnn-tanh`: embedding → L Elman layers h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) → linear
// head, with nn.RNN tensor names. The shared skeleton is RecurrentLm; this class is the cell, plus the
// spectrum of each W_hh as telemetry (it decides whether gradients vanish or explode through time).
#pragma once
#include "core/models/recurrent_lm.h"

namespace udlab {

template <class S>
class RnnTanhModel final : public RecurrentLm<S> {
 public:
  RnnTanhModel(const ModelConfig& cfg, int vocab, Backend<S>& be) : RecurrentLm<S>(cfg, vocab, be, 1) {}

 protected:
  void seq_fwd(int k, S* pre, const S* w_hh, S* h, int B, int T) override;
  void seq_bwd(int k, const S* pre, const S* w_hh, const S* h, S* dh, S* dpre, int B, int T) override;
  void cell_resize(int B, int T) override {}
  double cell_workspace_elems(int B, int T) const override { return 0; }
  void cell_telemetry(Telemetry& tel) override;
};

}  // namespace udlab
