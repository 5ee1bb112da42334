// The group-rnn recurrence for lanes::kLanes sequences at once, in the interleaved layout of
// core/groups/lanes_mm.h (issue 15): one thread carries a block of kLanes sequences through all T steps,
// and every product, projection, Taylor chunk sum and transpose advances the whole block with one vector
// operation. At small n the per-matrix path spent more time between its products than in them (perf at
// d = 12: 42% of the samples in the JIT kernels). Same maths and the same buffers as the per-sequence
// loops of cpu_group_ops.cpp; O and SO only (Π is the skew part), without the ξ bound. Included by
// cpu_group_ops.cpp, so that each of its ISA copies gets its own vector width.
#pragma once
#include <vector>

#include "core/backend/group_ops.h"
#include "core/groups/expm_lanes.h"
#include "core/groups/group_kernels.h"

namespace udlab::rnn_lanes {

inline constexpr int kLanes = lanes::kLanes;
// Largest n run interleaved. Measured (docs/groups.md, "Small d, session 7"): faster at n = 8–14, slower at
// 15, 16, 22 and 24, where the per-matrix JIT kernels are efficient and a block's work space (16 lanes of
// n×2n pairs) no longer fits in L1.
inline constexpr int kMaxN = 14;

// Only the AVX-512 copies (one register per entry) run it: on the avx2 path of the portable build the
// 16-wide entries split into ymm pairs ran 5–12× slower than the per-matrix path (docs/groups.md).
#if defined(__AVX512F__)
inline constexpr bool kIsaFits = true;
#else
inline constexpr bool kIsaFits = false;
#endif

// How a layer's B sequences are shared out: the first kLanes·blocks as interleaved blocks, the rest one by
// one on the per-matrix path. Depends on the shapes, the ISA copy and lanes::enabled(), never on the thread
// count.
struct Split {
  int blocks = 0;  // whole blocks of kLanes sequences, run interleaved
  int units = 0;   // work units of the OpenMP loop: the blocks, then the sequences left over
  int first(int u) const { return u < blocks ? u * kLanes : u + blocks * (kLanes - 1); }  // unit u's first sequence
};

template <class S>
Split split(const GroupSpec& g, const typename GroupOps<S>::RnnLayer& L) {
  const bool fits = kIsaFits && (g.kind == GroupKind::O || g.kind == GroupKind::SO) && g.block == g.n &&
                    g.n <= kMaxN && !(L.xi_bound > 0);
  const int blocks = lanes::enabled() && fits ? L.B / kLanes : 0;
  return {blocks, blocks + L.B - blocks * kLanes};
}

// Per-thread buffers of n² entries each (aligned: see LanesWork).
template <class S>
struct Buffers {
  std::vector<lanes::Vec<S>> v;
  S* slot(int i, int n) { return reinterpret_cast<S*>(v.data()) + size_t(i) * n * n * kLanes; }
  static Buffers& get(int n, int slots) {
    thread_local Buffers b;
    const size_t need = size_t(slots) * n * n;
    if (b.v.size() < need) b.v.resize(need);
    return b;
  }
};

// C (n×n entries) (=, or += with acc) op(A)·B with op(A) = A or Aᵀ, all interleaved.
template <class S>
inline void mm(int n, const S* A, bool ta, const S* B, S* C, bool acc) {
  const lanes::Strides d = lanes::dense(n);
  lanes::gemm<S>(n, n, n, A, ta ? d.t() : d, B, d, C, d, acc);
}
// C += op(U)·B with U one shared n×n matrix (the model's U).
template <class S>
inline void mm_shared(int n, const S* U, bool tu, const S* B, S* C) {
  const lanes::Strides d = lanes::dense(n);
  lanes::gemm<S, true>(n, n, n, U, tu ? d.t() : d, B, d, C, d, true);
}

// Forward of sequences b0 … b0 + kLanes − 1: cpu_group_ops.cpp's rnn_forward loop body for a block.
// events[l] counts re-orthogonalisations; tb (may be null) receives membership errors at [t·B + b].
template <class S>
void forward(const GroupSpec& g, const typename GroupOps<S>::RnnLayer& L, int b0, int reorth_every, double thr,
             int* events, double* tb) {
  const int B = L.B, T = L.T, n = g.n, t0 = L.t0, T_total = L.T_total ? L.T_total : T;
  const size_t nn = size_t(n) * n, ne = nn * kLanes;
  Buffers<S>& buf = Buffers<S>::get(n, 5);
  S *h = buf.slot(0, n), *hn = buf.slot(1, n), *xi = buf.slot(2, n), *xh = buf.slot(3, n), *E = buf.slot(4, n);
  expm::LanesWork<S>& w = expm::thread_work<expm::LanesWork<S>>(n);
  lanes::to_lanes(L.H + size_t(b0) * nn, nn, h);
  bool has_prev = L.mixing && L.xh_prev;
  if (has_prev) lanes::to_lanes(L.xh_prev + size_t(b0) * nn, nn, xh);
  const S alpha = L.alpha, beta = L.beta;
  for (int t = 0; t < T; ++t) {
    const size_t r = size_t(t) * B + b0;
    S* xi_out = L.Xi + r * nn;
    lanes::to_lanes(xi_out, nn, xi);
    mm_shared(n, L.U, false, h, xi);  // A_t = (W x_t + B) + U h_t
    expm::lanes_skew(n, xi, xi);
    lanes::from_lanes(xi, nn, xi_out);
    const S* x = xi;
    if (L.mixing) {
      for (size_t e = 0; e < ne; ++e) xh[e] = alpha * xi[e] + (has_prev ? beta * xh[e] : S(0));
      has_prev = true;
      lanes::from_lanes(xh, nn, L.Xh + r * nn);
      x = xh;
    }
    expm::lanes_exp(x, expm::lanes_plan(n, x), E, w);
    mm(n, h, false, E, hn, false);
    S* h_out = L.H + (r + B) * nn;
    lanes::from_lanes(hn, nn, h_out);
    std::swap(h, hn);
    const bool check = (t0 + t + 1) % reorth_every == 0 || t0 + t == T_total - 1;
    for (int l = 0; (check || tb) && l < kLanes; ++l) {
      S* hl = h_out + size_t(l) * nn;
      if (check && kernels::membership_error(g, hl) > thr) {
        kernels::reorthogonalise(g, hl);
        ++events[l];
        for (size_t e = 0; e < nn; ++e) h[e * kLanes + l] = hl[e];
      }
      if (tb) tb[r + l] = kernels::membership_error(g, hl);
    }
  }
}

// Backward of sequences b0 … b0 + kLanes − 1: cpu_group_ops.cpp's rnn_backward loop body for a block.
// ab, bb: per-sequence ᾱ, β̄ partial sums (in with carry_in, out); tb (may be null): ‖h̄_{t+1}‖_F at [t·B + b].
template <class S>
void backward(const GroupSpec& g, const typename GroupOps<S>::RnnLayer& L, const S* G, S* dA, S* hbar0, int b0,
              double* ab, double* bb, double* tb) {
  const int B = L.B, T = L.T, n = g.n;
  const size_t nn = size_t(n) * n, ne = nn * kLanes;
  Buffers<S>& buf = Buffers<S>::get(n, 9);
  S *carry = buf.slot(0, n), *hb = buf.slot(1, n), *h = buf.slot(2, n), *Eb = buf.slot(3, n), *x = buf.slot(4, n);
  S *da = buf.slot(5, n), *Et = buf.slot(6, n), *xhb = buf.slot(7, n), *tmp = buf.slot(8, n);
  expm::LanesWork<S>& w = expm::thread_work<expm::LanesWork<S>>(n);
  if (L.carry_in) lanes::to_lanes(hbar0 + size_t(b0) * nn, nn, carry);
  else std::fill(carry, carry + ne, S(0));
  S* xhb_io = L.mixing && L.xh_bar ? L.xh_bar + size_t(b0) * nn : nullptr;
  if (L.carry_in && xhb_io) lanes::to_lanes(xhb_io, nn, xhb);
  else std::fill(xhb, xhb + ne, S(0));
  for (int t = T - 1; t >= 0; --t) {
    const size_t r = size_t(t) * B + b0;
    lanes::to_lanes(G + r * nn, nn, hb);
    for (size_t e = 0; e < ne; ++e) hb[e] += carry[e];
    if (tb) {  // telemetry: summed in S per lane
      lanes::Vec<S> s{};
      for (size_t e = 0; e < nn; ++e) {
        const lanes::Vec<S> v = lanes::load(hb + e * kLanes);
        s += v * v;
      }
      for (int l = 0; l < kLanes; ++l) tb[r + l] = std::sqrt(double(s[l]));
    }
    lanes::to_lanes(L.H + r * nn, nn, h);
    mm(n, h, true, hb, Eb, false);  // Ē_t = h_tᵀ h̄_{t+1}
    lanes::to_lanes((L.mixing ? L.Xh : L.Xi) + r * nn, nn, x);
    expm::lanes_exp_adjoint(x, Eb, expm::lanes_plan(n, x), da, Et, w);
    if (L.mixing) {
      // ξ̂̄_t = Π L(ξ̂_tᵀ, Ē_t) + β ξ̂̄_{t+1};  Ā_t = α ξ̂̄_t;  ᾱ += ⟨ξ̂̄_t, ξ_t⟩;  β̄ += ⟨ξ̂̄_t, ξ̂_{t−1}⟩
      const S* prev = t > 0 ? L.Xh + (r - B) * nn : L.xh_prev ? L.xh_prev + size_t(b0) * nn : nullptr;
      lanes::to_lanes(L.Xi + r * nn, nn, x);
      if (prev) lanes::to_lanes(prev, nn, tmp);
      for (size_t e = 0; e < nn; ++e)
        for (int l = 0; l < kLanes; ++l) {
          const size_t i = e * kLanes + l;
          xhb[i] = da[i] + L.beta * xhb[i];
          ab[l] += double(xhb[i]) * x[i];
          if (prev) bb[l] += double(xhb[i]) * tmp[i];
          da[i] = L.alpha * xhb[i];
        }
    }
    lanes::from_lanes(da, nn, dA + r * nn);
    // h̄_t = h̄_{t+1} E_tᵀ + Uᵀ Ā_t
    mm(n, hb, false, Et, carry, false);
    mm_shared(n, L.U, true, da, carry);
  }
  lanes::from_lanes(carry, nn, hbar0 + size_t(b0) * nn);
  if (xhb_io) lanes::from_lanes(xhb, nn, xhb_io);
}

}  // namespace udlab::rnn_lanes
