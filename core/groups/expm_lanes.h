// exp and its Fréchet adjoint for lanes::kLanes skew matrices at once, in the interleaved layout of
// core/groups/lanes_mm.h (issue 15): the polynomial of core/groups/expm_taylor.h (exp_poly, frechet_poly),
// run on a work space whose entries are kLanes scalars wide. One plan serves the whole block, chosen from
// the largest ‖X‖₁ of its matrices: the other matrices get a degree or a squaring more than they need,
// which is still exact to round-off, and the block stays in lock-step.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/groups/expm_taylor.h"
#include "core/groups/lanes_mm.h"

namespace udlab::expm {

template <class S>
struct LanesWork {
  static constexpr int kLanes = lanes::kLanes;
  using V = lanes::Vec<S>;
  // One product shape: C (M×N entries) = or += A·B, row strides in entries.
  struct Op {
    int M = 0, N = 0, K = 0, lda = 0, ldb = 0, ldc = 0;
    bool acc = false;
    void operator()(const S* A, const S* B, S* C) const {
      lanes::gemm<S>(M, N, K, A, {lda, 1}, B, {ldb, 1}, C, {ldc, 1}, acc);
    }
  };
  int n = 0;
  std::vector<V> buf;  // vector entries: 64-byte aligned (unaligned wide loads split cache lines)
  S *P[7], *H[7], *Z, *Z2;
  Op nn0, nn1, w0, w1, r1;  // as in Work: n×n (=, +=); [n×2n] (=, +=) n×n·[n×2n]; right half +=
  void resize(int b) {
    if (b == n) return;
    n = b;
    const size_t nn = size_t(n) * n;
    buf.assign(nn * (7 + 2 * 7 + 2 + 2), V{});
    S* p = reinterpret_cast<S*>(buf.data());
    const size_t e = nn * kLanes;
    for (int i = 0; i < 7; ++i, p += e) P[i] = p;
    for (int i = 0; i < 7; ++i, p += 2 * e) H[i] = p;
    Z = p; p += 2 * e;
    Z2 = p;
    nn0 = {n, n, n, n, n, n, false};
    nn1 = {n, n, n, n, n, n, true};
    w0 = {n, 2 * n, n, 2 * n, 2 * n, 2 * n, false};
    w1 = {n, 2 * n, n, 2 * n, 2 * n, 2 * n, true};
    r1 = {n, n, n, 2 * n, 2 * n, 2 * n, true};
  }
};

// The plan for a block: from the largest ‖X‖₁ over its kLanes matrices (X n×n entries, contiguous).
template <class S>
Plan lanes_plan(int n, const S* X) {
  using V = lanes::Vec<S>;
  constexpr int L = lanes::kLanes;
  V best{};
  for (int j = 0; j < n; ++j) {
    V c{};
    for (int i = 0; i < n; ++i) c += lanes::vabs<S>(lanes::load(X + (size_t(i) * n + j) * L));
    best = lanes::vmax<S>(best, c);
  }
  S m = 0;
  for (int l = 0; l < L; ++l) m = std::max(m, best[l]);
  return choose_plan<S>(double(m));
}

// E = exp(X) per lane, both n×n entries, contiguous.
template <class S>
void lanes_exp(const S* X, const Plan& p, S* E, LanesWork<S>& w) {
  using V = lanes::Vec<S>;
  constexpr int L = lanes::kLanes;
  const int n = w.n;
  const V scale = lanes::splat(std::ldexp(S(1), -p.s));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      lanes::store(w.P[1] + (size_t(i) * n + j) * L, scale * lanes::load(X + (size_t(i) * n + j) * L));
  const S* acc = exp_poly<S>(p, w);
  std::copy(acc, acc + size_t(n) * n * L, E);
}

// Per lane, with X skew (n×n entries, contiguous): Xbar = Π(L(Xᵀ, Ebar)) = skew part of the Fréchet
// derivative at Xᵀ in direction Ebar, and Et = exp(Xᵀ) = exp(X)ᵀ (both contiguous n×n entries), as
// kernels::exp_adjoint with et for O and SO. Xᵀ is a change of strides here, not a copy.
template <class S>
void lanes_exp_adjoint(const S* X, const S* Ebar, const Plan& p, S* Xbar, S* Et, LanesWork<S>& w) {
  using V = lanes::Vec<S>;
  constexpr int L = lanes::kLanes;
  const int n = w.n;
  const size_t n2 = size_t(2) * n;
  const V scale = lanes::splat(std::ldexp(S(1), -p.s));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      S* h = w.H[1] + (size_t(i) * n2 + j) * L;
      lanes::store(h, scale * lanes::load(X + (size_t(j) * n + i) * L));
      lanes::store(h + size_t(n) * L, scale * lanes::load(Ebar + (size_t(i) * n + j) * L));
    }
  const S* acc = frechet_poly<S>(p, w);
  const V half = lanes::splat(S(0.5));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const V lij = lanes::load(acc + (size_t(i) * n2 + n + j) * L), lji = lanes::load(acc + (size_t(j) * n2 + n + i) * L);
      lanes::store(Xbar + (size_t(i) * n + j) * L, half * (lij - lji));
      lanes::store(Et + (size_t(i) * n + j) * L, lanes::load(acc + (size_t(i) * n2 + j) * L));
    }
}

// Y = (X − Xᵀ)/2 per lane, n×n entries contiguous; Y may equal X.
template <class S>
void lanes_skew(int n, const S* X, S* Y) {
  using V = lanes::Vec<S>;
  constexpr int L = lanes::kLanes;
  const V half = lanes::splat(S(0.5));
  for (int i = 0; i < n; ++i) {
    lanes::store(Y + (size_t(i) * n + i) * L, V{});
    for (int j = i + 1; j < n; ++j) {
      const V d = half * (lanes::load(X + (size_t(i) * n + j) * L) - lanes::load(X + (size_t(j) * n + i) * L));
      lanes::store(Y + (size_t(i) * n + j) * L, d);
      lanes::store(Y + (size_t(j) * n + i) * L, -d);
    }
  }
}

}  // namespace udlab::expm
