// CPU twin of GroupOps: OpenMP over the matrices of a batch (static schedule, so results do not depend
// on timing), with the per-matrix maths from core/groups/group_kernels.h. Every product of every size
// goes through core/groups/small_mm (libxsmm's JIT kernels where built with it): one code path, no
// fixed-size special cases, cost ∝ n³ (issue 15). The group-rnn recurrence at n ≤ 14 runs 16 sequences at
// once instead, in lane-interleaved layout (cpu_group_rnn_lanes.h).
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <type_traits>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/backend/cpu/cpu_group_rnn_lanes.h"
#include "core/groups/group_kernels.h"
#include "core/groups/small_mm.h"
#include "core/groups/xi_bound.h"

namespace udlab {
namespace {

template <class S>
kernels::Scratch<S>& scratch(int b) {
  return expm::thread_work<kernels::Scratch<S>>(b);
}

template <class S>
S* thread_buffer(int slot, size_t n);

// C = alpha·op(A)·op(B) + beta·C, n×n. The hot path (alpha 1, beta 0 or 1) is one small_mm call.
template <class S>
void product(int n, bool ta, bool tb, S alpha, const S* A, const S* B, S beta, S* C) {
  if (alpha == S(1) && (beta == S(0) || beta == S(1))) {
    smm::gemm<S>(n, n, n, ta, tb, A, n, B, n, beta == S(1), C, n);
    return;
  }
  const size_t nn = size_t(n) * n;
  S* t = thread_buffer<S>(4, nn);  // slots 0–3 belong to the rnn loops
  smm::gemm<S>(n, n, n, ta, tb, A, n, B, n, false, t, n);
  for (size_t i = 0; i < nn; ++i) C[i] = alpha * t[i] + (beta == S(0) ? S(0) : beta * C[i]);
}

// C = A·B (beta 0) or C += A·B (beta 1) on b×b blocks inside n×n row-major matrices (row stride ld).
template <class S>
void block_product(int b, int ld, bool ta, bool tb, const S* A, const S* B, S beta, S* C) {
  if (b == 2) {  // torus and blockdiag:2: four dot products of length 2 beat any library call
    S a00 = A[0], a01 = A[1], a10 = A[ld], a11 = A[ld + 1];
    if (ta) std::swap(a01, a10);
    S b00 = B[0], b01 = B[1], b10 = B[ld], b11 = B[ld + 1];
    if (tb) std::swap(b01, b10);
    S c00 = a00 * b00 + a01 * b10, c01 = a00 * b01 + a01 * b11, c10 = a10 * b00 + a11 * b10, c11 = a10 * b01 + a11 * b11;
    if (beta == S(0)) { C[0] = c00; C[1] = c01; C[ld] = c10; C[ld + 1] = c11; }
    else { C[0] += c00; C[1] += c01; C[ld] += c10; C[ld + 1] += c11; }
    return;
  }
  smm::gemm<S>(b, b, b, ta, tb, A, ld, B, ld, beta != S(0), C, ld);
}

// Per-matrix entry points, shared by the per-sequence loops below.
template <class S>
struct MatrixFns {
  void (*mm)(int n, bool ta, bool tb, S alpha, const S* A, const S* B, S beta, S* C) = &product<S>;
  void (*bmm)(int b, int ld, bool ta, bool tb, const S* A, const S* B, S beta, S* C) = &block_product<S>;
  static void exp(const GroupSpec& g, const S* X, S* E) { kernels::exp<S>(g, X, E, scratch<S>(g.block)); }
  static void adj(const GroupSpec& g, const S* X, const S* Ebar, S* Xbar, S* E, bool et = false) {
    kernels::exp_adjoint<S>(g, X, Ebar, Xbar, E, scratch<S>(g.block), et);
  }
};

template <class S>
MatrixFns<S> matrix_fns(const GroupSpec&) {
  return {};
}

template <class S>
S* thread_buffer(int slot, size_t n) {
  thread_local std::vector<S> bufs[6];
  if (bufs[slot].size() < n) bufs[slot].resize(n);
  return bufs[slot].data();
}

// The recurrence walks each sequence's matrices B·n² floats apart, a stride the hardware prefetchers do
// not follow: fetch the next step's operands while this step computes (perf at d = 8: the first read of
// each stored ξ_t was a cache miss that cost as much as its exp).
template <class S>
inline void prefetch(const S* p, size_t n, bool write = false) {
  constexpr size_t line = 64 / sizeof(S);
  for (size_t i = 0; i < n; i += line) {
    if (write) __builtin_prefetch(p + i, 1, 3);
    else __builtin_prefetch(p + i, 0, 3);
  }
}

template <class S>
class CpuGroupOps final : public GroupOps<S> {
 public:
  explicit CpuGroupOps(int threads) : threads_(threads) {}

  void project(const GroupSpec& g, const S* X, S* Y, int count) override {
    const size_t nn = size_t(g.n) * g.n;
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
    for (int k = 0; k < count; ++k) kernels::project(g, X + k * nn, Y + k * nn);
  }

  void exp(const GroupSpec& g, const S* X, S* E, int count) override {
    const size_t nn = size_t(g.n) * g.n;
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
    for (int k = 0; k < count; ++k) MatrixFns<S>::exp(g, X + k * nn, E + k * nn);
  }

  void exp_adjoint(const GroupSpec& g, const S* X, const S* Ebar, S* Xbar, S* E, int count) override {
    const size_t nn = size_t(g.n) * g.n;
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
    for (int k = 0; k < count; ++k)
      MatrixFns<S>::adj(g, X + k * nn, Ebar + k * nn, Xbar + k * nn, E ? E + k * nn : nullptr);
  }

  void matmul(int n, int count, bool ta, bool tb, S alpha, const S* A, size_t sa, const S* B, size_t sb, S beta,
              S* C) override {
    const size_t nn = size_t(n) * n;
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
    for (int k = 0; k < count; ++k) product<S>(n, ta, tb, alpha, A + k * sa, B + k * sb, beta, C + k * nn);
  }

  void matmul_sum(int n, int block, int count, bool ta, bool tb, const S* A, const S* B, S* C) override {
    if (block < n) {
      matmul_sum_blocks(n, block, count, ta, tb, A, B, C);
      return;
    }
    // Fixed chunks of the batch (independent of the thread count), then an ordered sum of the parts.
    const size_t nn = size_t(n) * n;
    const int chunk = 64;
    const int nchunks = (count + chunk - 1) / chunk;
    part_.assign(size_t(nchunks) * nn, S(0));
#pragma omp parallel for schedule(static) num_threads(threads_) if (nchunks > 1)
    for (int c = 0; c < nchunks; ++c) {
      const int k0 = c * chunk, k1 = std::min(count, (c + 1) * chunk);
      if (n <= 32 && !(ta && tb)) {
        chunk_sum(n, k1 - k0, ta, tb, A + k0 * nn, B + k0 * nn, part_.data() + c * nn);
        continue;
      }
      for (int k = k0; k < k1; ++k) product<S>(n, ta, tb, S(1), A + k * nn, B + k * nn, S(1), part_.data() + c * nn);
    }
    for (int c = 0; c < nchunks; ++c)
      for (size_t i = 0; i < nn; ++i) C[i] += part_[c * nn + i];
  }

  // C += Σ_k op(A_k)·op(B_k) over cnt n×n matrices as one product with inner size cnt·n, instead of cnt
  // small calls (and cnt explicit transposes of B_k for Σ A_k B_kᵀ, the recurrence's Ū):
  //   Σ A_kᵀ B_k = [A_1; …; A_cnt]ᵀ·[B_1; …; B_cnt], the stacks as stored;
  //   Σ A_k op(B_k) = [A_1 … A_cnt]·[op(B_1); …; op(B_cnt)], A's rows regrouped side by side.
  static void chunk_sum(int n, int cnt, bool ta, bool tb, const S* A, const S* B, S* C) {
    const size_t nn = size_t(n) * n;
    const int K = cnt * n;
    if (ta) {
      smm::gemm<S>(n, n, K, true, false, A, n, B, n, true, C, n);
      return;
    }
    S* a = thread_buffer<S>(4, nn * cnt);
    for (int k = 0; k < cnt; ++k)
      for (int i = 0; i < n; ++i) std::copy(A + k * nn + size_t(i) * n, A + k * nn + size_t(i + 1) * n, a + size_t(i) * K + k * n);
    const S* b = B;
    if (tb) {
      S* t = thread_buffer<S>(1, nn * cnt);
      for (int k = 0; k < cnt; ++k)
        for (int j = 0; j < n; ++j)
          for (int l = 0; l < n; ++l) t[k * nn + size_t(l) * n + j] = B[k * nn + size_t(j) * n + l];
      b = t;
    }
    smm::gemm<S>(n, n, K, false, false, a, K, b, n, true, C, n);
  }

  void matmul_sum_blocks(int n, int bs, int count, bool ta, bool tb, const S* A, const S* B, S* C) {
    const size_t nn = size_t(n) * n;
    const int chunk = 64;
    const int nchunks = (count + chunk - 1) / chunk;
    part_.assign(size_t(nchunks) * nn, S(0));
#pragma omp parallel for schedule(static) num_threads(threads_) if (nchunks > 1)
    for (int c = 0; c < nchunks; ++c)
      for (int k = c * chunk; k < std::min(count, (c + 1) * chunk); ++k)
        for (int j = 0; j < n; j += bs) {
          const size_t o = size_t(j) * (n + 1);
          block_product<S>(bs, n, ta, tb, A + k * nn + o, B + k * nn + o, S(1), part_.data() + c * nn + o);
        }
    for (int c = 0; c < nchunks; ++c)
      for (size_t i = 0; i < nn; ++i) C[i] += part_[c * nn + i];
  }

  void axpby(S a, const S* x, S b, const S* y, S* out, size_t len) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (len >= (1u << 15))
    for (size_t i = 0; i < len; ++i) out[i] = a * x[i] + b * y[i];
  }

  double dot(const S* x, const S* y, size_t len) override {
    const size_t chunk = 1 << 14;
    size_t nchunks = (len + chunk - 1) / chunk;
    std::vector<double> part(nchunks);
#pragma omp parallel for schedule(static) num_threads(threads_) if (nchunks > 1)
    for (size_t c = 0; c < nchunks; ++c) {
      double s = 0;
      for (size_t i = c * chunk; i < std::min(len, (c + 1) * chunk); ++i) s += double(x[i]) * double(y[i]);
      part[c] = s;
    }
    double s = 0;
    for (double p : part) s += p;
    return s;
  }

  using RnnLayer = typename GroupOps<S>::RnnLayer;

  int rnn_forward(const GroupSpec& g, const RnnLayer& L, int reorth_every, double thr, double* mem_err) override {
    const int B = L.B, T = L.T, n = g.n, t0 = L.t0, T_total = L.T_total ? L.T_total : T;
    const size_t nn = size_t(n) * n;
    const MatrixFns<S> f = matrix_fns<S>(g);
    const int bs = g.block;
    const bool blocky = bs < n;
    events_.assign(B, 0);
    if (mem_err) tb_.assign(size_t(T) * B, 0.0);
    // Sequences are independent: each thread runs whole sequences through all T steps: the
    // first ones as interleaved blocks (cpu_group_rnn_lanes.h, rnn_lanes::split), the rest one by one.
    const rnn_lanes::Split sp = rnn_lanes::split<S>(g, L);
#pragma omp parallel for schedule(static) num_threads(threads_) if (sp.units > 1)
    for (int u = 0; u < sp.units; ++u) {
      const int b = sp.first(u);
      if (u < sp.blocks) {
        rnn_lanes::forward<S>(g, L, b, reorth_every, thr, events_.data() + b, mem_err ? tb_.data() : nullptr);
        continue;
      }
      S* E = thread_buffer<S>(0, nn);
      const kernels::Scratch<S>* k = blocky ? nullptr : &scratch<S>(n);  // the n×n product kernels
      for (int t = 0; t < T; ++t) {
        const size_t r = size_t(t) * B + b;
        S* h = L.H + r * nn;
        S* hn = L.H + (r + B) * nn;
        S* xi = L.Xi + r * nn;
        if (t + 1 < T) {
          prefetch(xi + B * nn, nn);
          if (L.mixing) prefetch(L.Xh + (r + B) * nn, nn, true);
          prefetch(hn + B * nn, nn, true);
        }
        if (blocky)  // only the diagonal blocks of U·h survive Π when h is block-diagonal
          for (int j = 0; j < n; j += bs) f.bmm(bs, n, false, false, L.U + j * (n + 1), h + j * (n + 1), S(1), xi + j * (n + 1));
        else
          k->nn1(L.U, h, xi);  // A_t = (W x_t + B) + U h_t
        kernels::project(g, xi, xi);
        S* xh = xi;
        if (L.mixing) {
          xh = L.Xh + r * nn;
          const S* prev = t > 0 ? L.Xh + (r - B) * nn : L.xh_prev ? L.xh_prev + size_t(b) * nn : nullptr;
          for (size_t i = 0; i < nn; ++i) xh[i] = L.alpha * xi[i] + (prev ? L.beta * prev[i] : S(0));
        }
        if (L.xi_bound > 0) {  // exp sees σ_c(ξ̂_t); Xi/Xh keep ξ̂_t itself for the backward pass
          S* y = thread_buffer<S>(5, nn);
          xi_bound_apply(xh, y, nn, L.xi_bound);
          f.exp(g, y, E);
        } else {
          f.exp(g, xh, E);
        }
        if (blocky) {
          kernels::zero_off_blocks(n, bs, hn);
          for (int j = 0; j < n; j += bs) f.bmm(bs, n, false, false, h + j * (n + 1), E + j * (n + 1), S(0), hn + j * (n + 1));
        } else {
          k->nn0(h, E, hn);
        }
        if ((t0 + t + 1) % reorth_every == 0 || t0 + t == T_total - 1) {
          if (kernels::membership_error(g, hn) > thr) {
            kernels::reorthogonalise(g, hn);
            ++events_[b];
          }
        }
        if (mem_err) tb_[r] = kernels::membership_error(g, hn);
      }
    }
    int total = 0;
    for (int e : events_) total += e;
    if (mem_err)
      for (int t = 0; t < T; ++t) {
        double m = 0;
        for (int b = 0; b < B; ++b) m = std::max(m, tb_[size_t(t) * B + b]);
        mem_err[t] = m;
      }
    return total;
  }

  void rnn_backward(const GroupSpec& g, const RnnLayer& L, const S* G, S* dA, S* hbar0, double* alpha_bar,
                    double* beta_bar, double* grad_norm) override {
    const int B = L.B, T = L.T, n = g.n;
    const size_t nn = size_t(n) * n;
    const MatrixFns<S> f = matrix_fns<S>(g);
    const int bs = g.block;
    const bool blocky = bs < n;
    // Sum of squares over the entries that carry gradient (the diagonal blocks for block groups).
    auto norm2 = [&](const S* x) {
      if (!blocky) return sum_squares(x, nn);
      double s = 0;
      for (int i = 0; i < n; ++i)
        for (int j = i / bs * bs; j < i / bs * bs + bs; ++j) s += double(x[size_t(i) * n + j]) * x[size_t(i) * n + j];
      return s;
    };
    part_a_.assign(B, 0.0);
    part_b_.assign(B, 0.0);
    for (int b = 0; L.carry_in && b < B; ++b) {
      if (L.ab) part_a_[b] = L.ab[b];
      if (L.bb) part_b_[b] = L.bb[b];
    }
    if (grad_norm) tb_.assign(size_t(T) * B, 0.0);
    const rnn_lanes::Split sp = rnn_lanes::split<S>(g, L);
#pragma omp parallel for schedule(static) num_threads(threads_) if (sp.units > 1)
    for (int u = 0; u < sp.units; ++u) {
      const int b = sp.first(u);
      if (u < sp.blocks) {
        rnn_lanes::backward<S>(g, L, G, dA, hbar0, b, part_a_.data() + b, part_b_.data() + b,
                               grad_norm ? tb_.data() : nullptr);
        continue;
      }
      S* carry = thread_buffer<S>(0, nn);  // h̄_{t+1} via the recurrence (h_{t+1} E_{t+1}, U h_{t+1})
      S* hb = thread_buffer<S>(1, nn);
      S* Eb = thread_buffer<S>(2, nn);
      S* Et = thread_buffer<S>(3, nn);  // exp(ξ̂_t)ᵀ
      const kernels::Scratch<S>* k = blocky ? nullptr : &scratch<S>(n);
      if (L.carry_in) std::copy(hbar0 + size_t(b) * nn, hbar0 + size_t(b + 1) * nn, carry);
      else std::fill(carry, carry + nn, S(0));
      // ∂L/∂ξ̂_t; without a carry buffer, hbar0 is free until the end.
      S* xhb = !L.mixing ? nullptr : L.xh_bar ? L.xh_bar + size_t(b) * nn : hbar0 + size_t(b) * nn;
      if (xhb && !L.carry_in) std::fill(xhb, xhb + nn, S(0));
      double ab = part_a_[b], bb = part_b_[b];
      // ∂L/∂ξ̂_t from Ē_t: through exp at σ_c(ξ̂_t) and then σ_c's adjoint when the bound is on.
      auto adj_bounded = [&](const S* xh, S* out) {
        if (!(L.xi_bound > 0)) return f.adj(g, xh, Eb, out, Et, true);
        S* y = thread_buffer<S>(5, nn);
        const XiBoundFactors fb = xi_bound_apply(xh, y, nn, L.xi_bound);
        f.adj(g, y, Eb, out, Et, true);
        xi_bound_adjoint(xh, fb, out, nn);
      };
      for (int t = T - 1; t >= 0; --t) {
        const size_t r = size_t(t) * B + b;
        const S* h = L.H + r * nn;
        const S* xi = L.Xi + r * nn;
        const S* xh = L.mixing ? L.Xh + r * nn : xi;
        const S* g_t = G + r * nn;
        S* da = dA + r * nn;
        if (t > 0) {
          prefetch(h - B * nn, nn);
          prefetch(xi - B * nn, nn);
          if (L.mixing) prefetch(xh - B * nn, nn);
          prefetch(g_t - B * nn, nn);
          prefetch(da - B * nn, nn, true);
        }
        for (size_t i = 0; i < nn; ++i) hb[i] = g_t[i] + carry[i];
        if (grad_norm) tb_[r] = std::sqrt(norm2(hb));
        if (blocky)  // the adjoint reads only the diagonal blocks of Ē
          for (int j = 0; j < n; j += bs) f.bmm(bs, n, true, false, h + j * (n + 1), hb + j * (n + 1), S(0), Eb + j * (n + 1));
        else
          k->tn0(h, hb, Eb);  // Ē_t = h_tᵀ h̄_{t+1}
        if (L.mixing) {
          // ξ̂̄_t = Π L(ξ̂_tᵀ, Ē_t) + β ξ̂̄_{t+1};  Ā_t = α ξ̂̄_t;  ᾱ += ⟨ξ̂̄_t, ξ_t⟩;  β̄ += ⟨ξ̂̄_t, ξ̂_{t−1}⟩
          adj_bounded(xh, da);
          const S* prev = t > 0 ? L.Xh + (r - B) * nn : L.xh_prev ? L.xh_prev + size_t(b) * nn : nullptr;
          for (size_t i = 0; i < nn; ++i) {
            xhb[i] = da[i] + L.beta * xhb[i];
            ab += double(xhb[i]) * xi[i];
            if (prev) bb += double(xhb[i]) * prev[i];
            da[i] = L.alpha * xhb[i];
          }
        } else {
          adj_bounded(xh, da);  // Ā_t = Π(ξ̄_t) = ξ̄_t
        }
        // h̄_t = h̄_{t+1} E_tᵀ + Uᵀ Ā_t
        if (blocky) {
          std::fill(carry, carry + nn, S(0));
          for (int j = 0; j < n; j += bs) {
            const size_t o = size_t(j) * (n + 1);
            f.bmm(bs, n, false, false, hb + o, Et + o, S(0), carry + o);
            f.bmm(bs, n, true, false, L.U + o, da + o, S(1), carry + o);
          }
        } else {
          k->nn0(hb, Et, carry);
          k->tn1(L.U, da, carry);
        }
      }
      std::copy(carry, carry + nn, hbar0 + size_t(b) * nn);
      part_a_[b] = ab;
      part_b_[b] = bb;
    }
    for (int b = 0; b < B; ++b) {
      if (L.ab) L.ab[b] = part_a_[b];
      if (L.bb) L.bb[b] = part_b_[b];
    }
    if (alpha_bar) {
      double s = 0;
      for (double v : part_a_) s += v;
      *alpha_bar = s;
    }
    if (beta_bar) {
      double s = 0;
      for (double v : part_b_) s += v;
      *beta_bar = s;
    }
    if (grad_norm)
      for (int t = 0; t < T; ++t) {
        double s = 0;
        for (int b = 0; b < B; ++b) s += tb_[size_t(t) * B + b];
        grad_norm[t] = s / B;
      }
  }

  void membership_error(const GroupSpec& g, const S* G, int count, double* err) override {
    const size_t nn = size_t(g.n) * g.n;
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
    for (int k = 0; k < count; ++k) err[k] = kernels::membership_error(g, G + k * nn);
  }

  int reorthogonalise(const GroupSpec& g, S* G, int count, double threshold, double* max_err) override {
    const size_t nn = size_t(g.n) * g.n;
    errs_.resize(count);
    membership_error(g, G, count, errs_.data());
    int fixed = 0;
    double mx = 0;
#pragma omp parallel for schedule(static) num_threads(threads_) reduction(+ : fixed) reduction(max : mx) if (count > 1)
    for (int k = 0; k < count; ++k) {
      mx = std::max(mx, errs_[k]);
      if (errs_[k] > threshold) {
        kernels::reorthogonalise(g, G + k * nn);
        ++fixed;
      }
    }
    if (max_err) *max_err = mx;
    return fixed;
  }

 private:
  int threads_;
  std::vector<S> part_;
  std::vector<double> errs_, tb_, part_a_, part_b_;
  std::vector<int> events_;
};

}  // namespace

namespace UDLAB_CPU_ISA_NS {

template <class S>
std::unique_ptr<GroupOps<S>> make_cpu_group_ops(int threads) {
  return std::make_unique<CpuGroupOps<S>>(threads);
}
template std::unique_ptr<GroupOps<float>> make_cpu_group_ops<float>(int);
template std::unique_ptr<GroupOps<double>> make_cpu_group_ops<double>(int);

}  // namespace UDLAB_CPU_ISA_NS

}  // namespace udlab
