// The batched group maths the group transformer needs, over `count` contiguous row-major n x n
// matrices: Π, exp, the exp adjoint and the product C_k = A_k B_k with its backward. One seam, so the
// model reads as maths and the op family behind it can change without touching the model.
#pragma once
#include <Eigen/Core>
#include <cstddef>

#include "core/backend/backend.h"
#include "core/groups/group.h"
#include "core/util/error.h"

namespace udlab {

template <class S>
class GroupBatch {
 public:
  GroupBatch(Backend<S>& be, const Group& g) : be_(be), g_(g), n_(g.n()) {
    if (!be.host_accessible()) throw Error("group-transformer: backend '" + be.name() + "' lacks batched group ops");
  }

  // Y = Π(X); X and Y may alias.
  void project(const S* X, S* Y, size_t count) {
    const size_t n2 = size_t(n_) * n_;
#pragma omp parallel for schedule(static) num_threads(be_.threads()) if (count * n2 >= (1u << 14))
    for (long k = 0; k < long(count); ++k) g_.project<S>(X + k * n2, Y + k * n2);
  }
  // E = exp(X), X in the algebra.
  void exp(const S* X, S* E, size_t count) {
    const size_t n2 = size_t(n_) * n_;
#pragma omp parallel for schedule(static) num_threads(be_.threads()) if (count > 1)
    for (long k = 0; k < long(count); ++k) g_.exp<S>(X + k * n2, E + k * n2);
  }
  // Xbar = Π(L(X^T, Ebar)) (overwrite).
  void exp_adjoint(const S* X, const S* Ebar, S* Xbar, size_t count) {
    const size_t n2 = size_t(n_) * n_;
#pragma omp parallel for schedule(static) num_threads(be_.threads()) if (count > 1)
    for (long k = 0; k < long(count); ++k) g_.exp_adjoint<S>(X + k * n2, Ebar + k * n2, Xbar + k * n2);
  }
  // C_k = A_k B_k (overwrite).
  void mul(const S* A, const S* B, S* C, size_t count) {
    const size_t n2 = size_t(n_) * n_;
#pragma omp parallel for schedule(static) num_threads(be_.threads()) if (count * n2 * n_ >= (1u << 14))
    for (long k = 0; k < long(count); ++k) map(C + k * n2).noalias() = cmap(A + k * n2) * cmap(B + k * n2);
  }
  // For C_k = A_k B_k: dA_k = dC_k B_k^T and dB_k = A_k^T dC_k (both overwrite).
  void mul_bwd(const S* A, const S* B, const S* dC, S* dA, S* dB, size_t count) {
    const size_t n2 = size_t(n_) * n_;
#pragma omp parallel for schedule(static) num_threads(be_.threads()) if (count * n2 * n_ >= (1u << 13))
    for (long k = 0; k < long(count); ++k) {
      map(dA + k * n2).noalias() = cmap(dC + k * n2) * cmap(B + k * n2).transpose();
      map(dB + k * n2).noalias() = cmap(A + k * n2).transpose() * cmap(dC + k * n2);
    }
  }

 private:
  using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> cmap(const S* p) const { return Eigen::Map<const Mat>(p, n_, n_); }
  Eigen::Map<Mat> map(S* p) const { return Eigen::Map<Mat>(p, n_, n_); }

  Backend<S>& be_;
  const Group& g_;
  int n_;
};

}  // namespace udlab
