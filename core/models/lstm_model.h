// `lstm`: embedding → L LSTM layers → linear head, with nn.LSTM tensor names and gate order i, f, g, o.
// The shared skeleton (GEMMs, head, loss, telemetry) is RecurrentLm; this class is the recurrence and
// the cell state c_t it keeps for backward.
#pragma once
#include <vector>

#include "core/models/recurrent_lm.h"

namespace udlab {

template <class S>
class LstmModel final : public RecurrentLm<S> {
 public:
  LstmModel(const ModelConfig& cfg, int vocab, Backend<S>& be) : RecurrentLm<S>(cfg, vocab, be, 4) {}

 protected:
  void seq_fwd(int k, S* pre, const S* w_hh, S* h, int B, int T) override;
  void seq_bwd(int k, const S* pre, const S* w_hh, const S* h, S* dh, S* dpre, int B, int T) override;
  void cell_resize(int B, int T) override;
  double cell_workspace_elems(int B, int T) const override;

 private:
  std::vector<Buffer<S>> c_, tanh_c_;  // per layer [T·B,H]: c_t and tanh(c_t)
  Buffer<S> dc_;                       // [B,H] ∂L/∂c carried backwards through time
};

}  // namespace udlab
