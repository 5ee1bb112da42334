// Op family: batched Lie-algebra projection, matrix exponential and its adjoint, and the small batched
// matrix products of the group models (issue 3). The group arrives as plain data (GroupSpec), so a
// CUDA twin needs no C++ group objects: everything it needs is n, block, complex and kind.
// Pointers are Device buffers; a batch is `count` row-major n×n matrices stored back to back (stride
// n²). The CPU twin is core/backend/cpu/cpu_group_ops.cpp; a CUDA twin implements the same interface.
// Convention as elsewhere: "=" overwrites, "+=" accumulates.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/groups/group.h"

namespace udlab {

template <class S>
class GroupOps {
 public:
  virtual ~GroupOps() = default;

  // Y = Π(X) per matrix. X and Y may alias.
  virtual void project(const GroupSpec& g, const S* X, S* Y, int count) = 0;
  // E = exp(X) per matrix, X in the algebra.
  virtual void exp(const GroupSpec& g, const S* X, S* E, int count) = 0;
  // Xbar = Π(L(Xᵀ, Ebar)) (=), the gradient of ⟨Ebar, exp(X)⟩ along the algebra. When E is not null it
  // also receives exp(X) (=), which the Fréchet evaluation produces anyway.
  virtual void exp_adjoint(const GroupSpec& g, const S* X, const S* Ebar, S* Xbar, S* E, int count) = 0;

  // C_k = alpha·op(A_k)·op(B_k) + beta·C_k for k < count, n×n each. A stride of 0 means one matrix
  // shared by every k (e.g. the model's U). op(X) = Xᵀ when the flag is set.
  virtual void matmul(int n, int count, bool trans_a, bool trans_b, S alpha, const S* A, size_t stride_a,
                      const S* B, size_t stride_b, S beta, S* C) = 0;
  // C += Σ_k op(A_k)·op(B_k), summed in a fixed order (bit-identical for a fixed thread count). With
  // block < n every A_k and B_k is block-diagonal (blocks of that size) and only the diagonal blocks of
  // C are touched; block = n is the dense product.
  virtual void matmul_sum(int n, int block, int count, bool trans_a, bool trans_b, const S* A, const S* B, S* C) = 0;

  // out = a·x + b·y elementwise (out may alias x or y).
  virtual void axpby(S a, const S* x, S b, const S* y, S* out, size_t len) = 0;
  // Σ x·y in double, fixed order.
  virtual double dot(const S* x, const S* y, size_t len) = 0;

  // The whole recurrence of one group-rnn layer, h_{t+1} = h_t·exp(ξ̂_t), for B independent sequences
  // over T steps (math-notes §3.4). Buffers are time-major: matrix t·B + b is sequence b at step t.
  // One call per layer and direction, so an implementation can keep a sequence's state in fast memory
  // for all T steps (CPU: one thread per group of sequences; GPU: one block per sequence).
  struct RnnLayer {
    int B = 0, T = 0;
    const S* U = nullptr;     // [n²], shared
    bool mixing = false;      // ξ̂_t = α ξ_t + β ξ̂_{t−1}, ξ̂_{−1} = 0
    S alpha = 1, beta = 0;
    double xi_bound = 0;      // > 0: exp sees σ_c(ξ̂_t), c = xi_bound (core/groups/xi_bound.h); Xi/Xh keep ξ̂_t
    S* Xi = nullptr;          // [T·B, n²] forward in: mat(W x_t) + B; forward out: ξ_t = Π(A_t)
    S* Xh = nullptr;          // [T·B, n²] ξ̂_t (mixing only; otherwise ξ̂ = ξ lives in Xi)
    S* H = nullptr;           // [(T+1)·B, n²] in: h_0 in the first B slots; forward out: h_1..h_T
    // Time chunks (recomputation, issue 15). A call may cover steps [t0, t0 + T) of sequences of
    // T_total steps (0: T_total = T); the buffers then hold that chunk only, H's first B slots being
    // h_{t0}. Chunked calls give the same bits as one whole call (the re-orthogonalisation schedule
    // follows the global step; every carry below is passed on exactly). The defaults are one whole call.
    int t0 = 0, T_total = 0;
    const S* xh_prev = nullptr;  // forward, mixing, t0 > 0: ξ̂_{t0−1} [B, n²]
    bool carry_in = false;       // backward: hbar0, xh_bar, ab, bb hold what the later chunk left
    S* xh_bar = nullptr;         // backward, mixing: [B, n²] ∂L/∂ξ̂ carried back through β (in/out)
    double* ab = nullptr;        // backward, mixing: [B] per-sequence partial sums of ᾱ and β̄ (in/out)
    double* bb = nullptr;
    bool chunked() const { return t0 != 0 || carry_in || xh_prev || xh_bar || ab || bb || (T_total && T_total != T); }
  };
  // For block groups (g.block < g.n) every state, generator and E_t is block-diagonal, so U enters only
  // through its diagonal blocks and only the diagonal blocks of ∂L/∂h carry gradient: both directions
  // run per block (O(n·b²) instead of O(n³)), and hbar0 / grad_norm cover the diagonal blocks only.
  // Forward. Every reorth_every steps (and at the last step) each state whose membership error
  // exceeds reorth_threshold is re-orthogonalised (no gradient); returns how many were. mem_err (host,
  // [T], may be null) receives the membership error of h_{t+1}, max over the batch.
  virtual int rnn_forward(const GroupSpec& g, const RnnLayer& L, int reorth_every, double reorth_threshold,
                          double* mem_err) = 0;
  // Backward. G [T·B, n²]: ∂L/∂h_{t+1} from above (readout or the next layer). Out (=): dA [T·B, n²]
  // = ∂L/∂A_t; hbar0 [B, n²] = ∂L/∂h_0 (∂L/∂h_{t0} for a chunk; with carry_in it also brings in
  // ∂L/∂h_{t0+T} from the later steps); *alpha_bar, *beta_bar (host, mixing only; with carries, the
  // sums so far); grad_norm (host [T], may be null) = mean over the batch of ‖∂L/∂h_{t+1}‖_F.
  virtual void rnn_backward(const GroupSpec& g, const RnnLayer& L, const S* G, S* dA, S* hbar0, double* alpha_bar,
                            double* beta_bar, double* grad_norm) = 0;

  // err[k] (host array) = ‖G_kᴴG_k − I‖_F.
  virtual void membership_error(const GroupSpec& g, const S* G, int count, double* err) = 0;
  // Re-orthogonalises (a no-gradient correction) every G_k whose membership error exceeds threshold;
  // returns how many it corrected. When max_err is not null it receives the largest error seen before
  // correction.
  virtual int reorthogonalise(const GroupSpec& g, S* G, int count, double threshold, double* max_err) = 0;
};

}  // namespace udlab
