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
  void cell_fwd(int k, int t, S* pre, S* h, int B, int T) override;
  void cell_bwd(int k, int t, const S* pre, const S* h, const S* dh, S* dpre, int B, int T) override;
  void cell_resize(int B, int T) override {}
  double cell_workspace_elems(int B, int T) const override { return 0; }
  void cell_telemetry(Telemetry& tel) override;
};

}  // namespace udlab
