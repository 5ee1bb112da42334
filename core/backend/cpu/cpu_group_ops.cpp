// CPU twin of GroupOps: OpenMP over the matrices of a batch (static schedule, so results do not depend
// on timing), with the per-matrix maths from core/groups/group_kernels.h. Blocks of 8 and 16 (the
// O(8), O(16), U(4), U(8) hot sizes) use fixed-size Eigen matrices: no heap traffic, unrolled products.
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <type_traits>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/groups/group_kernels.h"

namespace udlab {
namespace {

template <class F>
void with_block_size(int b, F&& f) {
  switch (b) {
    case 8: f(std::integral_constant<int, 8>{}); break;
    case 16: f(std::integral_constant<int, 16>{}); break;
    default: f(std::integral_constant<int, Eigen::Dynamic>{}); break;
  }
}

template <class S, int N>
kernels::Scratch<S, N>& scratch(int b) {
  thread_local kernels::Scratch<S, N> s;
  thread_local int size = -1;
  if (size != b) {
    s.resize(b);
    size = b;
  }
  return s;
}

template <class S, int N>
void product(int n, bool ta, bool tb, S alpha, const S* A, const S* B, S beta, S* C) {
  using Mat = Eigen::Matrix<S, N, N, Eigen::RowMajor>;
  using CM = Eigen::Map<const Mat>;
  using MM = Eigen::Map<Mat>;
  CM a(A, n, n), b(B, n, n);
  MM c(C, n, n);
  if (beta == S(0)) c.setZero();
  else if (beta != S(1)) c *= beta;
  if (!ta && !tb) c.noalias() += alpha * a * b;
  else if (ta && !tb) c.noalias() += alpha * a.transpose() * b;
  else if (!ta && tb) c.noalias() += alpha * a * b.transpose();
  else c.noalias() += alpha * a.transpose() * b.transpose();
}

template <class S>
class CpuGroupOps final : public GroupOps<S> {
 public:
  explicit CpuGroupOps(int threads) : threads_(threads) {}

  void project(const GroupSpec& g, const S* X, S* Y, int count) override {
    const size_t nn = size_t(g.n) * g.n;
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
    for (int k = 0; k < count; ++k) group_project_raw(g, X + k * nn, Y + k * nn);
  }

  void exp(const GroupSpec& g, const S* X, S* E, int count) override {
    const size_t nn = size_t(g.n) * g.n;
    with_block_size(g.block, [&](auto N) {
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
      for (int k = 0; k < count; ++k) kernels::exp<S, decltype(N)::value>(g, X + k * nn, E + k * nn, scratch<S, decltype(N)::value>(g.block));
    });
  }

  void exp_adjoint(const GroupSpec& g, const S* X, const S* Ebar, S* Xbar, S* E, int count) override {
    const size_t nn = size_t(g.n) * g.n;
    with_block_size(g.block, [&](auto N) {
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
      for (int k = 0; k < count; ++k)
        kernels::exp_adjoint<S, decltype(N)::value>(g, X + k * nn, Ebar + k * nn, Xbar + k * nn, E ? E + k * nn : nullptr,
                                     scratch<S, decltype(N)::value>(g.block));
    });
  }

  void matmul(int n, int count, bool ta, bool tb, S alpha, const S* A, size_t sa, const S* B, size_t sb, S beta,
              S* C) override {
    const size_t nn = size_t(n) * n;
    with_block_size(n, [&](auto N) {
#pragma omp parallel for schedule(static) num_threads(threads_) if (count > 1)
      for (int k = 0; k < count; ++k) product<S, decltype(N)::value>(n, ta, tb, alpha, A + k * sa, B + k * sb, beta, C + k * nn);
    });
  }

  void matmul_sum(int n, int count, bool ta, bool tb, const S* A, const S* B, S* C) override {
    // Fixed chunks of the batch (independent of the thread count), then an ordered sum of the parts.
    const size_t nn = size_t(n) * n;
    const int chunk = 64;
    const int nchunks = (count + chunk - 1) / chunk;
    part_.assign(size_t(nchunks) * nn, S(0));
    with_block_size(n, [&](auto N) {
#pragma omp parallel for schedule(static) num_threads(threads_) if (nchunks > 1)
      for (int c = 0; c < nchunks; ++c)
        for (int k = c * chunk; k < std::min(count, (c + 1) * chunk); ++k)
          product<S, decltype(N)::value>(n, ta, tb, S(1), A + k * nn, B + k * nn, S(1), part_.data() + c * nn);
    });
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
  std::vector<double> errs_;
};

}  // namespace

template <class S>
std::unique_ptr<GroupOps<S>> make_cpu_group_ops(int threads) {
  return std::make_unique<CpuGroupOps<S>>(threads);
}
template std::unique_ptr<GroupOps<float>> make_cpu_group_ops<float>(int);
template std::unique_ptr<GroupOps<double>> make_cpu_group_ops<double>(int);

}  // namespace udlab
