// Causal attention on the CPU, llm.c style: one (batch, head) pair per OpenMP iteration (static schedule,
// so results are bit-identical for a fixed thread count). Within a pair the three products are Eigen
// GEMMs on strided views; Eigen does not spawn nested threads inside the parallel region.
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/backend/cpu/cpu_backend.h"

namespace udlab {
namespace {

template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using CView = Eigen::Map<const RowMat<S>, 0, Eigen::OuterStride<>>;
template <class S>
using View = Eigen::Map<RowMat<S>, 0, Eigen::OuterStride<>>;

template <class S>
class CpuAttentionOps final : public AttentionOps<S> {
 public:
  explicit CpuAttentionOps(int threads) : threads_(threads) {}

  void causal_attention_fwd(const S* q, const S* k, const S* v, int ld_qkv, S* att, S* out, int ld_out, int B,
                            int T, int H, int D, S scale) override {
    const int pairs = B * H;
#pragma omp parallel for schedule(static) num_threads(threads_) if (pairs > 1)
    for (int p = 0; p < pairs; ++p) {
      const int b = p / H, h = p % H;
      const size_t base = size_t(b) * T * ld_qkv + size_t(h) * D;
      CView<S> Q(q + base, T, D, Eigen::OuterStride<>(ld_qkv));
      CView<S> K(k + base, T, D, Eigen::OuterStride<>(ld_qkv));
      CView<S> V(v + base, T, D, Eigen::OuterStride<>(ld_qkv));
      Eigen::Map<RowMat<S>> A(att + size_t(p) * T * T, T, T);
      A.noalias() = scale * (Q * K.transpose());
      for (int i = 0; i < T; ++i) {
        S* row = A.data() + size_t(i) * T;
        S mx = row[0];
        for (int j = 1; j <= i; ++j) mx = std::max(mx, row[j]);
        S sum = 0;
        for (int j = 0; j <= i; ++j) {
          row[j] = std::exp(row[j] - mx);
          sum += row[j];
        }
        const S inv = S(1) / sum;
        for (int j = 0; j <= i; ++j) row[j] *= inv;
        for (int j = i + 1; j < T; ++j) row[j] = S(0);
      }
      View<S> O(out + size_t(b) * T * ld_out + size_t(h) * D, T, D, Eigen::OuterStride<>(ld_out));
      O.noalias() = A.template triangularView<Eigen::Lower>() * V;
    }
  }

  void causal_attention_bwd(const S* dout, int ld_out, const S* q, const S* k, const S* v, int ld_qkv,
                            const S* att, S* dq, S* dk, S* dv, int ld_dqkv, int B, int T, int H, int D,
                            S scale) override {
    const int pairs = B * H;
#pragma omp parallel for schedule(static) num_threads(threads_) if (pairs > 1)
    for (int p = 0; p < pairs; ++p) {
      const int b = p / H, h = p % H;
      const size_t base = size_t(b) * T * ld_qkv + size_t(h) * D;
      const size_t dbase = size_t(b) * T * ld_dqkv + size_t(h) * D;
      CView<S> Q(q + base, T, D, Eigen::OuterStride<>(ld_qkv));
      CView<S> K(k + base, T, D, Eigen::OuterStride<>(ld_qkv));
      CView<S> V(v + base, T, D, Eigen::OuterStride<>(ld_qkv));
      CView<S> dO(dout + size_t(b) * T * ld_out + size_t(h) * D, T, D, Eigen::OuterStride<>(ld_out));
      Eigen::Map<const RowMat<S>> A(att + size_t(p) * T * T, T, T);
      View<S> dQ(dq + dbase, T, D, Eigen::OuterStride<>(ld_dqkv));
      View<S> dK(dk + dbase, T, D, Eigen::OuterStride<>(ld_dqkv));
      View<S> dV(dv + dbase, T, D, Eigen::OuterStride<>(ld_dqkv));

      dV.noalias() = A.transpose().template triangularView<Eigen::Upper>() * dO;
      // dS is the score gradient; softmax backward row by row, only on the causal part.
      RowMat<S> dS = dO * V.transpose();
      for (int i = 0; i < T; ++i) {
        const S* a = A.data() + size_t(i) * T;
        S* g = dS.data() + size_t(i) * T;
        S dot = 0;
        for (int j = 0; j <= i; ++j) dot += a[j] * g[j];
        for (int j = 0; j <= i; ++j) g[j] = scale * a[j] * (g[j] - dot);
        for (int j = i + 1; j < T; ++j) g[j] = S(0);
      }
      dQ.noalias() = dS.template triangularView<Eigen::Lower>() * K;
      dK.noalias() = dS.transpose().template triangularView<Eigen::Upper>() * Q;
    }
  }

  void sum_heads_fwd(const S* x, S* y, int R, int H, int D) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (size_t(R) * H * D >= (1u << 15))
    for (int r = 0; r < R; ++r) {
      const S* xr = x + size_t(r) * H * D;
      S* yr = y + size_t(r) * D;
      std::copy_n(xr, D, yr);
      for (int h = 1; h < H; ++h)
        for (int e = 0; e < D; ++e) yr[e] += xr[size_t(h) * D + e];
    }
  }

  void sum_heads_bwd(const S* dy, S* dx, int R, int H, int D) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (size_t(R) * H * D >= (1u << 15))
    for (int r = 0; r < R; ++r)
      for (int h = 0; h < H; ++h) std::copy_n(dy + size_t(r) * D, D, dx + (size_t(r) * H + h) * D);
  }

 private:
  int threads_;
};

}  // namespace

namespace UDLAB_CPU_ISA_NS {

template <class S>
std::unique_ptr<AttentionOps<S>> make_cpu_attention_ops(int threads) {
  return std::make_unique<CpuAttentionOps<S>>(threads);
}
template std::unique_ptr<AttentionOps<float>> make_cpu_attention_ops<float>(int);
template std::unique_ptr<AttentionOps<double>> make_cpu_attention_ops<double>(int);

}  // namespace UDLAB_CPU_ISA_NS

}  // namespace udlab
