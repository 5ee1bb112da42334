// Op family: LSTM and tanh-RNN cell kernels (issue 2).
// Pointers are Device buffers, layouts row-major. The CPU twin is core/backend/cpu/cpu_rnn_ops.cpp;
// a CUDA twin implements the same interface in gpu/.
//
// Only the pointwise part of a recurrent step lives here. The GEMMs (input projection for all time
// steps at once, the sequential h_{t-1} W_hh^T product, weight gradients over all steps) go through
// DenseOps::gemm, so a backend gets fast recurrences by having a fast GEMM plus these few kernels.
// Each kernel works on one time step of B rows; forward and backward sit side by side.
#pragma once
#include <cstddef>
#include <cstdint>

namespace udlab {

template <class S>
class RnnOps {
 public:
  virtual ~RnnOps() = default;

  // ---- LSTM cell (PyTorch gate order i, f, g, o) ----
  // gates  [B,4H]  in: preactivations x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh;
  //               out: the activations sigmoid(i), sigmoid(f), tanh(g), sigmoid(o), in place
  //               (kept for backward).
  // c_prev [B,H]  c_{t-1}; nullptr means the zero state.
  // c      [B,H]  out: c_t = f * c_prev + i * g
  // tanh_c [B,H]  out: tanh(c_t) (kept for backward)
  // h      [B,H]  out: h_t = o * tanh(c_t)
  virtual void lstm_cell_fwd(S* gates, const S* c_prev, S* c, S* tanh_c, S* h, int B, int H) = 0;
  // gates, c_prev, tanh_c: as left by lstm_cell_fwd.
  // dh     [B,H]  ∂L/∂h_t, all paths (head or upper layer, and the recurrence through W_hh).
  // dc     [B,H]  in: ∂L/∂c_t through c_{t+1} only (zero at t = T-1);
  //               out (overwrite): ∂L/∂c_{t-1}, ready for the step before.
  // dgates [B,4H] out (overwrite): ∂L/∂ preactivations, order i, f, g, o.
  virtual void lstm_cell_bwd(const S* gates, const S* c_prev, const S* tanh_c, const S* dh, S* dc, S* dgates,
                             int B, int H) = 0;

  // ---- tanh-RNN cell ----
  // pre [B,H] preactivations x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh;  h [B,H] out: tanh(pre).
  // pre and h may alias.
  virtual void rnn_tanh_cell_fwd(const S* pre, S* h, int B, int H) = 0;
  // h [B,H] as left by forward; dh [B,H] ∂L/∂h_t, all paths; dpre [B,H] out (overwrite): dh * (1 - h^2).
  // dh and dpre may alias.
  virtual void rnn_tanh_cell_bwd(const S* h, const S* dh, S* dpre, int B, int H) = 0;

  // ---- telemetry ----
  // norms[m] = ||x[m, :]||_2 for x [M,N] (overwrite). Used for the per-step state-norm profiles.
  virtual void row_norms(const S* x, S* norms, int M, int N) = 0;
};

}  // namespace udlab
