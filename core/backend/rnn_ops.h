// Op family: LSTM and tanh-RNN cell kernels (issue 2).
// Pointers are Device buffers, layouts row-major. The CPU twin is core/backend/cpu/cpu_rnn_ops.cpp;
// a CUDA twin implements the same interface in gpu/.
//
// Two levels, forward and backward side by side:
//  - cell kernels: the pointwise part of one time step on B rows;
//  - sequence kernels: the sequential part of a whole layer, all T steps, i.e. for each t the
//    [B,G·H] += h_{t-1} W_hh^T product followed by the cell (and the mirror image backward).
// The GEMM-shaped work that is not sequential (input projection over all B·T tokens, weight
// gradients over all steps, the head) stays with the model and DenseOps::gemm. The sequence kernels
// exist because the B sequences are independent: a backend can run a whole layer without one
// synchronisation per step (the CPU twin gives each thread a block of sequences for all T steps; a
// CUDA twin may loop cuBLAS + the cell kernel, or run a persistent kernel).
// Time-major layouts: row t·B + b of a [T,B,·] buffer is sequence b at step t.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/util/error.h"

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

  // ---- whole-layer recurrences (every window starts from the zero state: h_{-1} = c_{-1} = 0) ----
  // pre    [T,B,4H] in: x_t W_ih^T + b_ih + b_hh for every t (no recurrent term yet);
  //                 out: gate activations, as lstm_cell_fwd leaves them.
  // w_hh   [4H,H]   the recurrent weight (PyTorch layout).
  // h, c, tanh_c [T,B,H] out.
  virtual void lstm_seq_fwd(S* pre, const S* w_hh, S* h, S* c, S* tanh_c, int T, int B, int H) = 0;
  // pre, c, tanh_c: as left by lstm_seq_fwd.
  // dh   [T,B,H]  in: ∂L/∂h_t from outside the layer (head or upper layer);
  //               out: ∂L/∂h_t over all paths, including the recurrence through W_hh.
  // dpre [T,B,4H] out (overwrite): ∂L/∂ preactivations.  dc [B,H]: scratch.
  virtual void lstm_seq_bwd(const S* pre, const S* w_hh, const S* c, const S* tanh_c, S* dh, S* dpre, S* dc,
                            int T, int B, int H) = 0;
  // pre [T,B,H] in: x_t W_ih^T + b_ih + b_hh; out: clobbered.  w_hh [H,H].  h [T,B,H] out.
  virtual void rnn_tanh_seq_fwd(S* pre, const S* w_hh, S* h, int T, int B, int H) = 0;
  // h [T,B,H] as left by forward; dh as for lstm_seq_bwd; dpre [T,B,H] out (overwrite).
  virtual void rnn_tanh_seq_bwd(const S* h, const S* w_hh, S* dh, S* dpre, int T, int B, int H) = 0;

  // ---- modReLU recurrence (orth-rnn; the nonlinearity of uRNN and expRNN) ----
  // h = z·relu(|z| + b)/|z| per unit, where |z| is the norm of a unit's `pair` consecutive entries
  // (1: real units; 2: the (Re, Im) pair of a realified complex state) and b [H/pair] its bias; h = 0
  // where |z| = 0. Not pure: a backend without them reports the model as unsupported.
  // pre [T,B,H] in: x_t W_ih^T + b_ih + b_hh; out: the full preactivation z_t.  w_hh [H,H].  h out.
  virtual void modrelu_seq_fwd(S* pre, const S* w_hh, const S* bias, S* h, int T, int B, int H, int pair) {
    throw Error("the modReLU recurrence (orth-rnn --orth-act modrelu) is not implemented on this backend; use --orth-act tanh");
  }
  // pre as left by forward; dh as for rnn_tanh_seq_bwd; dpre [T,B,H] out (=); dbias [H/pair] out (=).
  virtual void modrelu_seq_bwd(const S* pre, const S* w_hh, const S* bias, S* dh, S* dpre, S* dbias, int T, int B,
                               int H, int pair) {
    throw Error("the modReLU recurrence (orth-rnn --orth-act modrelu) is not implemented on this backend; use --orth-act tanh");
  }

  // ---- telemetry ----
  // norms[m] = ||x[m, :]||_2 for x [M,N] (overwrite). Used for the per-step state-norm profiles.
  virtual void row_norms(const S* x, S* norms, int M, int N) = 0;
};

}  // namespace udlab
