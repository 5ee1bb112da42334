// The per-matrix maths every group shares, parameterised by GroupSpec only: exp and its adjoint per
// diagonal block (closed form for 2×2 rotation blocks, Taylor otherwise), membership error and
// Newton–Schulz re-orthogonalisation. Every product runs on core/groups/small_mm; the scratch and the
// product kernels are reused per thread, one code path for every size (issue 15).
#pragma once
#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "core/groups/expm_taylor.h"
#include "core/groups/group.h"
#include "core/groups/group_def.h"
#include "core/groups/skew.h"
#include "core/groups/small_mm.h"

namespace udlab::kernels {

// Reusable scratch and product kernels for one thread and one block size.
template <class S>
using Scratch = expm::Work<S>;

// exp(θJ₂) = [[c, −s], [s, c]] with θ = (x₁₀ − x₀₁)/2.
template <class S>
inline void rot2_exp(const S* x, int n, S* e) {
  S theta = (x[n] - x[1]) / S(2);
  S c = std::cos(theta), s = std::sin(theta);
  e[0] = c; e[1] = -s; e[n] = s; e[n + 1] = c;
}

// The algebra component of L(Xᵀ, Ē) for a 2×2 rotation block (math-notes §2 closed forms):
// θ̄ = −sinθ (Ē₀₀ + Ē₁₁) + cosθ (Ē₁₀ − Ē₀₁), and the projected gradient is [[0, −θ̄/2], [θ̄/2, 0]].
// e (optional) = exp(X), or exp(X)ᵀ with et.
template <class S>
inline void rot2_adjoint(const S* x, const S* eb, int n, S* xb, S* e, bool et) {
  S theta = (x[n] - x[1]) / S(2);
  S c = std::cos(theta), s = std::sin(theta);
  S tb = -s * (eb[0] + eb[n + 1]) + c * (eb[n] - eb[1]);
  xb[0] = 0; xb[1] = -tb / S(2); xb[n] = tb / S(2); xb[n + 1] = 0;
  if (et) s = -s;
  if (e) { e[0] = c; e[1] = -s; e[n] = s; e[n + 1] = c; }
}

template <class S>
inline void zero_off_blocks(int n, int b, S* M) {
  if (b == n) return;
  for (int i = 0; i < n; ++i) {
    int i0 = i / b * b;
    S* row = M + size_t(i) * n;
    for (int j = 0; j < i0; ++j) row[j] = S(0);
    for (int j = i0 + b; j < n; ++j) row[j] = S(0);
  }
}

// Π(X) into Y (alias-safe). For O and SO (Π = skew part) the tiled projection is inlined here, so the
// CPU op's ISA copy runs it (the group files are compiled for the baseline ISA) and no call goes through
// the registry; other groups call their own Π.
template <class S>
inline void project(const GroupSpec& g, const S* X, S* Y) {
  if (g.kind == GroupKind::O || g.kind == GroupKind::SO) skew::project_dense(g.n, X, Y);
  else group_project_raw(g, X, Y);
}

// E = exp(X) for X in the algebra of g (block-diagonal with blocks of g.block).
template <class S>
void exp(const GroupSpec& g, const S* X, S* E, Scratch<S>& sc) {
  const int n = g.n, b = g.block;
  zero_off_blocks(n, b, E);
  for (int i0 = 0; i0 < n; i0 += b) {
    const size_t off = size_t(i0) * n + i0;
    if (b == 2) { rot2_exp(X + off, n, E + off); continue; }
    expm::Plan p = expm::choose_plan<S>(expm::norm1(b, X + off, n, sc.colsum));
    expm::taylor_exp(X + off, n, p, E + off, n, sc);
  }
}

// Xbar = Π(L(Xᵀ, Ebar)); E (optional, may be nullptr) = exp(X) as a by-product, or exp(X)ᵀ with et
// (what the recurrence's backward multiplies by). The polynomial runs on Xᵀ (X read transposed as it is
// scaled), so that neither Ē nor the result needs a transpose; the plan comes from ‖X‖₁ as in exp.
template <class S>
void exp_adjoint(const GroupSpec& g, const S* X, const S* Ebar, S* Xbar, S* E, Scratch<S>& sc, bool et = false) {
  const int n = g.n, b = g.block;
  // O, SO: Π(L) straight from the work space, with no copy and no second pass.
  const bool skew_only = g.kind == GroupKind::O || g.kind == GroupKind::SO;
  zero_off_blocks(n, b, Xbar);
  if (E) zero_off_blocks(n, b, E);
  for (int i0 = 0; i0 < n; i0 += b) {
    const size_t off = size_t(i0) * n + i0;
    if (b == 2) { rot2_adjoint(X + off, Ebar + off, n, Xbar + off, E ? E + off : nullptr, et); continue; }
    expm::Plan p = expm::choose_plan<S>(expm::norm1(b, X + off, n, sc.colsum));
    const S *R, *L;
    expm::taylor_exp_frechet(X + off, n, /*xt=*/true, Ebar + off, n, p, &R, &L, sc);
    if (skew_only)
      skew::project_dense(b, L, 2 * b, Xbar + off, n);
    else
      for (int i = 0; i < b; ++i)
        for (int j = 0; j < b; ++j) Xbar[off + size_t(i) * n + j] = L[size_t(i) * 2 * b + j];
    if (E && et)
      for (int i = 0; i < b; ++i)
        for (int j = 0; j < b; ++j) E[off + size_t(i) * n + j] = R[size_t(i) * 2 * b + j];
    else if (E)
      for (int i = 0; i < b; ++i)
        for (int j = 0; j < b; ++j) E[off + size_t(i) * n + j] = R[size_t(j) * 2 * b + i];
  }
  if (!skew_only) group_project_raw(g, Xbar, Xbar);
}

// ‖gᵀg − I‖_F of the real matrix, per diagonal block (entries off the blocks are zero by construction),
// divided by √2 for complex groups so that it is the defect of the complex matrix.
template <class S>
double membership_error(const GroupSpec& g, const S* h) {
  const int n = g.n, b = g.block;
  double sum = 0;
  if (b >= 8) {  // the Gram matrix hᵀh of each block as one double product (the check runs every few steps)
    thread_local std::vector<double> H, G;
    H.resize(size_t(b) * b);
    G.resize(size_t(b) * b);
    for (int i0 = 0; i0 < n; i0 += b) {
      for (int i = 0; i < b; ++i)
        for (int j = 0; j < b; ++j) H[size_t(i) * b + j] = double(h[size_t(i0 + i) * n + i0 + j]);
      smm::gemm<double>(b, b, b, true, false, H.data(), b, H.data(), b, false, G.data(), b);
      for (int i = 0; i < b; ++i) G[size_t(i) * b + i] -= 1;
      for (double v : G) sum += v * v;
    }
  } else {
    for (int i0 = 0; i0 < n; i0 += b)
      for (int i = i0; i < i0 + b; ++i)
        for (int j = i; j < i0 + b; ++j) {
          double s = 0;
          for (int k = i0; k < i0 + b; ++k) s += double(h[size_t(k) * n + i]) * double(h[size_t(k) * n + j]);
          if (i == j) s -= 1;
          sum += (i == j ? 1 : 2) * s * s;
        }
  }
  double e = std::sqrt(sum);
  return g.complex ? e / std::sqrt(2.0) : e;
}

// Newton–Schulz polar steps h ← h(3I − hᵀh)/2 (a singular value 1 + δ becomes 1 − 1.5δ² + …), per
// block, until the defect stops mattering. The group's structure fix runs before (so that the polar
// factor is taken of a structured matrix; polar steps preserve complex, block and symplectic structure)
// and after (to remove rounding). Accumulates in double: it runs rarely.
template <class S>
void reorthogonalise(const GroupSpec& g, S* h) {
  const int n = g.n, b = g.block;
  group_fix_raw(g, h);
  Eigen::MatrixXd H(b, b), G(b, b);
  for (int i0 = 0; i0 < n; i0 += b) {
    for (int i = 0; i < b; ++i)
      for (int j = 0; j < b; ++j) H(i, j) = double(h[size_t(i0 + i) * n + i0 + j]);
    for (int it = 0; it < 6; ++it) {
      G.noalias() = H.transpose() * H;
      G.diagonal().array() -= 1.0;
      if (G.norm() < 1e-15) break;
      H = H - 0.5 * H * G;  // = H(3I − HᵀH)/2
    }
    for (int i = 0; i < b; ++i)
      for (int j = 0; j < b; ++j) h[size_t(i0 + i) * n + i0 + j] = S(H(i, j));
  }
  group_fix_raw(g, h);
}

}  // namespace udlab::kernels
