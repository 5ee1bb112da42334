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
  // C += Σ_k op(A_k)·op(B_k), summed in a fixed order (bit-identical for a fixed thread count).
  virtual void matmul_sum(int n, int count, bool trans_a, bool trans_b, const S* A, const S* B, S* C) = 0;

  // out = a·x + b·y elementwise (out may alias x or y).
  virtual void axpby(S a, const S* x, S b, const S* y, S* out, size_t len) = 0;
  // Σ x·y in double, fixed order.
  virtual double dot(const S* x, const S* y, size_t len) = 0;

  // err[k] (host array) = ‖G_kᴴG_k − I‖_F.
  virtual void membership_error(const GroupSpec& g, const S* G, int count, double* err) = 0;
  // Re-orthogonalises (a no-gradient correction) every G_k whose membership error exceeds threshold;
  // returns how many it corrected. When max_err is not null it receives the largest error seen before
  // correction.
  virtual int reorthogonalise(const GroupSpec& g, S* G, int count, double threshold, double* max_err) = 0;
};

}  // namespace udlab
