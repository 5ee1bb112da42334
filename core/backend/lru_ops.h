// Op family: the LRU's diagonal complex recurrence (issue 4, maths in shared/docs/math-notes.md §5).
// Pointers are Device buffers, layouts row-major. The CPU twin is core/backend/cpu/cpu_lru_ops.cpp;
// a CUDA twin implements the same interface in gpu/.
//
// Complex tensors are stored as two real planes (re, im) of the same shape, so that B·u and C·x stay
// real GEMMs. Sequences are [B, T, N]: batch b, time t, channel n, with n fastest.
// Convention for gradients, as in dense_ops.h: "+=" accumulates, "=" overwrites.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/util/error.h"

namespace udlab {

// How scan() runs the recurrence. Both give the same numbers up to float rounding (tests check it).
enum class LruScanMethod {
  // Chunks of `chunk` time steps, scanned from zero in parallel, then a carry pass across chunks with
  // multiplier λ^chunk, then carry·λ^j added inside each chunk (math-notes §5.6).
  kChunked,
  // The reference: one sequential loop over time per (sequence, channel).
  kLoop,
};

// Chunk length of the chunked scan. Fixed (not derived from the thread count), so that results are
// bit-identical for any number of threads.
inline constexpr int kLruDefaultChunk = 256;

template <class S>
class LruOps {
 public:
  virtual ~LruOps() = default;

  // λ_n = exp(−exp(nu_log_n) + i·exp(theta_log_n)), evaluated in double and rounded to S once.
  // Every op below takes this rounded λ, so that the scan and the loop run the very same linear system.
  virtual void lambda(const S* nu_log, const S* theta_log, S* lam_re, S* lam_im, int N) = 0;

  // x[b,t] = λ ⊙ x[b,t−1] + in[b,t] with x[b,−1] = 0, over [B,T,N] planes (reverse = false).
  // reverse = true runs the adjoint: x[b,t] = conj(λ) ⊙ x[b,t+1] + in[b,t] with x[b,T] = 0.
  // x may alias in (in place). chunk is used by kChunked only (>= 1).
  virtual void scan(const S* lam_re, const S* lam_im, const S* in_re, const S* in_im, S* x_re, S* x_im, int B,
                    int T, int N, bool reverse, LruScanMethod method, int chunk = kLruDefaultChunk) = 0;

  // re, im *= exp(gamma_log) per channel, over M rows of N channels (the γ normalisation; its backward
  // scales δ by the same factor).
  virtual void gamma_scale(const S* gamma_log, S* re, S* im, int M, int N) = 0;

  // Closed-form gradients of the eigenvalue parameters (math-notes §5.7), with x the forward states and
  // d = δ the reverse-scan adjoints, both [B,T,N]:
  //   G = conj(λ) ⊙ Σ_{b,t} conj(x[b,t−1]) ⊙ d[b,t],   dnu_log += −ν ⊙ Re G,   dtheta_log += θ ⊙ Im G.
  // Reduced in double, per batch row then over rows in order: deterministic for any thread count.
  virtual void lambda_grad(const S* nu_log, const S* theta_log, const S* lam_re, const S* lam_im, const S* x_re,
                           const S* x_im, const S* d_re, const S* d_im, int B, int T, int N, S* dnu_log,
                           S* dtheta_log) = 0;
  // dgamma_log += Σ_rows Re(conj(b) ⊙ d), with b = γ ⊙ (B u) the scan input and d = δ (unscaled).
  virtual void gamma_grad(const S* b_re, const S* b_im, const S* d_re, const S* d_im, int M, int N,
                          S* dgamma_log) = 0;

  // The elementwise skip: y[m,:] += D ⊙ u[m,:] over M rows of H.
  virtual void skip_fwd(const S* D, const S* u, S* y, int M, int H) = 0;
  // du[m,:] = D ⊙ g[m,:] (=), dD += Σ_m g[m,:] ⊙ u[m,:] (+=, deterministic).
  virtual void skip_bwd(const S* D, const S* u, const S* g, S* du, S* dD, int M, int H) = 0;

  // out[m] = sqrt(Σ_n re[m,n]² + im[m,n]²), accumulated in double (telemetry: ‖x_k‖, ‖∂L/∂x_k‖).
  virtual void row_norms(const S* re, const S* im, int M, int N, S* out) = 0;

  // ---- The LRU paper's ablation ladder (issue 14): the rungs below the LRU ----
  // Not pure: a backend without them reports the rung as unsupported (LruModel checks has_ladder_ops()
  // when it is built, so the error comes before any training).
  virtual bool has_ladder_ops() const { return false; }
  // s = Σ_{b,t} conj(x[b,t−1]) ⊙ d[b,t] [N] (=): ∂ℓ/∂λ itself, for the parameterisations other than
  // stable-exp (the model maps it onto real-im or exp parameters). Reduced as lambda_grad.
  virtual void lambda_sum(const S* x_re, const S* x_im, const S* d_re, const S* d_im, int B, int T, int N, S* s_re,
                          S* s_im) {
    throw Error("lru: the ablation rungs --lru-param real-im|exp are not implemented on this backend; use --device cpu");
  }
  // The dense real recurrence x[b,t] = σ(x[b,t−1] Aᵀ + pre[b,t]), x[b,−1] = 0, σ = tanh or identity,
  // over [B,T,N]; A [N,N]. x: in: pre; out: the states.
  virtual void dense_seq_fwd(const S* A, S* x, int B, int T, int N, bool tanh) {
    throw Error("lru: the dense ablation rungs (--lru-param dense) are not implemented on this backend; use --device cpu");
  }
  // x as left by forward. d: in: ∂ℓ/∂x[b,t] from outside the recurrence (the readout C);
  // out (in place): ∂ℓ/∂pre[b,t] over all paths.
  virtual void dense_seq_bwd(const S* A, const S* x, S* d, int B, int T, int N, bool tanh) {
    throw Error("lru: the dense ablation rungs (--lru-param dense) are not implemented on this backend; use --device cpu");
  }
};

}  // namespace udlab
