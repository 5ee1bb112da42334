// The batched group maths the group transformer needs, over `count` contiguous row-major n x n
// matrices: Π, exp, the exp adjoint and the product C_k = A_k B_k with its backward, all on the
// backend's GroupOps. One seam, so the model reads as maths.
#pragma once
#include <cstddef>

#include "core/backend/backend.h"
#include "core/groups/group.h"

namespace udlab {

template <class S>
class GroupBatch {
 public:
  GroupBatch(Backend<S>& be, const Group& g) : ops_(be.group()), spec_(g.spec()), n_(g.n()) {}

  // Y = Π(X); X and Y may alias.
  void project(const S* X, S* Y, size_t count) { ops_.project(spec_, X, Y, int(count)); }
  // E = exp(X), X in the algebra.
  void exp(const S* X, S* E, size_t count) { ops_.exp(spec_, X, E, int(count)); }
  // Xbar = Π(L(X^T, Ebar)) (overwrite).
  void exp_adjoint(const S* X, const S* Ebar, S* Xbar, size_t count) {
    ops_.exp_adjoint(spec_, X, Ebar, Xbar, nullptr, int(count));
  }
  // C_k = A_k B_k (overwrite).
  void mul(const S* A, const S* B, S* C, size_t count) {
    ops_.matmul(n_, int(count), false, false, S(1), A, n2(), B, n2(), S(0), C);
  }
  // For C_k = A_k B_k: dA_k = dC_k B_k^T and dB_k = A_k^T dC_k (both overwrite).
  void mul_bwd(const S* A, const S* B, const S* dC, S* dA, S* dB, size_t count) {
    ops_.matmul(n_, int(count), false, true, S(1), dC, n2(), B, n2(), S(0), dA);
    ops_.matmul(n_, int(count), true, false, S(1), A, n2(), dC, n2(), S(0), dB);
  }

 private:
  size_t n2() const { return size_t(n_) * n_; }
  GroupOps<S>& ops_;
  GroupSpec spec_;
  int n_;
};

}  // namespace udlab
