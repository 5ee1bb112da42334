#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <string_view>
#include <cmath>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/groups/small_mm.h"

namespace udlab {
namespace {

template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using MapC = Eigen::Map<const RowMat<S>, 0, Eigen::OuterStride<>>;
template <class S>
using MapM = Eigen::Map<RowMat<S>, 0, Eigen::OuterStride<>>;

// Elementwise loops below 32k elements are not worth waking threads for.
inline bool big(size_t n) { return n >= (1u << 15); }

template <class S>
class CpuDenseOps final : public DenseOps<S> {
 public:
  explicit CpuDenseOps(int threads) : threads_(threads) {}

  void gemm(bool ta, bool tb, int M, int N, int K, S alpha, const S* A, int lda, const S* B, int ldb, S beta,
            S* C, int ldc) override {
    smm::count_flops(2ull * M * N * K);  // bench's counted FLOP/s (docs/groups.md)
    // Eigen's thread count is process-global: set it per call so that backends with different
    // thread counts (e.g. a GUI running two runs) each get their own.
    Eigen::setNbThreads(threads_);
    // Eigen's own GEMM threading synchronises on every packed panel; on a shared 2-core machine that
    // made the large-K weight-gradient shapes 3-4x slower than one static split of the output into
    // per-thread blocks, each a single-threaded Eigen GEMM (Eigen does not nest inside a parallel
    // region), with only the final join. Each element still has one fixed owner: deterministic.
    const int split_dim = std::max(M, N);
    const Path p = path(ta, tb, M, N, K, alpha, beta);
    const bool small = double(M) * N * K < double(1 << 21);
    // Below ~4 MFLOP a product is worth no thread at all: Eigen's own threading would wake the pool
    // and synchronise per panel, which on a loaded machine costs milliseconds per call (group-rnn's
    // per-block weight gradients at d = 8 ran 20x slower that way; docs/groups.md).
    if (small) Eigen::setNbThreads(1);
    if (threads_ > 1 && !small && split_dim >= 32 * threads_) {
#pragma omp parallel num_threads(threads_)
      {
        const int id = omp_get_thread_num(), n = omp_get_num_threads();
        // Block boundaries on multiples of 16 keep each block's rows/columns vector-aligned.
        auto cut = [&](int i) { return std::min(split_dim, (int(int64_t(split_dim) * i / n) + 15) / 16 * 16); };
        const int s0 = cut(id), s1 = id == n - 1 ? split_dim : cut(id + 1);
        if (s1 > s0) {
          if (M >= N)  // rows [s0,s1) of C and of op(A)
            gemm_serial(ta, tb, s1 - s0, N, K, alpha, ta ? A + s0 : A + size_t(s0) * lda, lda, B, ldb, beta,
                        C + size_t(s0) * ldc, ldc, p);
          else  // columns [s0,s1) of C and of op(B)
            gemm_serial(ta, tb, M, s1 - s0, K, alpha, A, lda, tb ? B + size_t(s0) * ldb : B + s0, ldb, beta, C + s0,
                        ldc, p);
        }
      }
      return;
    }
    gemm_serial(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, p);
  }

  enum class Path { kEigen, kXsmm, kPanels };

  // Which kernel runs a product, chosen from the whole product's shape before any split into per-thread
  // blocks, so that every element is computed the same way whatever the thread count.
  static Path path(bool ta, bool tb, int M, int N, int K, S alpha, S beta) {
    static const bool have_xsmm = std::string_view(smm::backend_name()) == "libxsmm";  // decided once
    if (!(have_xsmm && alpha == S(1) && (beta == S(0) || beta == S(1)) && !(ta && tb))) return Path::kEigen;
    // libxsmm's JIT kernels (core/groups/small_mm) beat Eigen's packed GEMM at the group models' small-d
    // shapes (W·x, the readout at d = 8: M = 16·B rows, N, K ≈ 64: CPU per step ×0.95); they do no cache
    // blocking, and where op(B) outgrows L1 (d = 16: N·K ≈ 16 k) Eigen was faster (×1.03–1.15), hence
    // the 32 KB bound.
    if (size_t(N) * K * sizeof(S) <= (32u << 10)) return Path::kXsmm;
    // Larger op(B) without a transpose: column panels of op(B) that fit in 32 KB, one JIT call each,
    // where op(A) (re-read once per panel) stays in L2: group-rnn's ∂W = Āᵀ·X, ∂x = Ā·W, G = ∂logits·W_R
    // and, for few panels, ∂W_R, at d = 8–32. Measured against Eigen (one thread, CPU time, load 11):
    // ×1.2–1.6 on those shapes; ×0.6 for ∂W_R at 36+ panels, ×0.44 for ∂W with a 4.7 MB op(A), and
    // ×0.83 for the logits (op(B) = W_Rᵀ, a copy), hence the bounds.
    if (!tb && K <= 512 && (N + panel_width(K) - 1) / panel_width(K) <= 16 && size_t(M) * K * sizeof(S) <= (3u << 19))
      return Path::kPanels;
    return Path::kEigen;
  }
  static int panel_width(int K) { return std::max(16, int((8192 / sizeof(S) * 4 / K) / 16 * 16)); }

  void gemm_serial(bool ta, bool tb, int M, int N, int K, S alpha, const S* A, int lda, const S* B, int ldb, S beta,
                   S* C, int ldc, Path p) {
    MapM<S> c(C, M, N, Eigen::OuterStride<>(ldc));
    if (K == 0) {
      if (beta == S(0)) c.setZero(); else c *= beta;
      return;
    }
    // Counted once, in gemm().
    if (p == Path::kXsmm) {
      smm::gemm<S>(M, N, K, ta, tb, A, lda, B, ldb, beta == S(1), C, ldc, /*count=*/false);
      return;
    }
    if (p == Path::kPanels) {
      const int nb = panel_width(K);
      for (int j0 = 0; j0 < N; j0 += nb)
        smm::gemm<S>(M, std::min(nb, N - j0), K, ta, false, A, lda, B + j0, ldb, beta == S(1), C + j0, ldc,
                     /*count=*/false);
      return;
    }
    MapC<S> a(A, ta ? K : M, ta ? M : K, Eigen::OuterStride<>(lda));
    MapC<S> b(B, tb ? N : K, tb ? K : N, Eigen::OuterStride<>(ldb));
    if (beta == S(0)) c.setZero();
    else if (beta != S(1)) c *= beta;
    if (!ta && !tb) c.noalias() += alpha * a * b;
    else if (ta && !tb) c.noalias() += alpha * a.transpose() * b;
    else if (!ta && tb) c.noalias() += alpha * a * b.transpose();
    else c.noalias() += alpha * a.transpose() * b.transpose();
  }

  void add_row_bias(S* Y, const S* b, int M, int N) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(size_t(M) * N))
    for (int m = 0; m < M; ++m) {
      S* y = Y + size_t(m) * N;
      for (int n = 0; n < N; ++n) y[n] += b[n];
    }
  }

  void row_bias_grad(const S* dY, S* db, int M, int N) override {
    // Parallel over columns keeps each sum in one fixed order.
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(size_t(M) * N) && N >= 64)
    for (int n0 = 0; n0 < N; n0 += 16) {
      int n1 = std::min(N, n0 + 16);
      for (int m = 0; m < M; ++m) {
        const S* d = dY + size_t(m) * N;
        for (int n = n0; n < n1; ++n) db[n] += d[n];
      }
    }
  }

  void embedding_fwd(const S* table, const int32_t* idx, S* out, int M, int E) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(size_t(M) * E))
    for (int m = 0; m < M; ++m) std::copy_n(table + size_t(idx[m]) * E, E, out + size_t(m) * E);
  }

  void embedding_bwd(const S* dout, const int32_t* idx, S* dtable, int M, int E) override {
    for (int m = 0; m < M; ++m) {
      S* t = dtable + size_t(idx[m]) * E;
      const S* d = dout + size_t(m) * E;
      for (int e = 0; e < E; ++e) t[e] += d[e];
    }
  }

  XentResult softmax_xent(const S* logits, const int32_t* targets, const S* weights, S* dlogits, int M, int V,
                          double grad_scale) override {
    std::vector<double> row_loss(M), row_correct(M);
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(size_t(M) * V))
    for (int m = 0; m < M; ++m) {
      const S* z = logits + size_t(m) * V;
      double w = weights ? double(weights[m]) : 1.0;
      int y = targets[m];
      S mx = z[0];
      int arg = 0;
      for (int v = 1; v < V; ++v)
        if (z[v] > mx) { mx = z[v]; arg = v; }
      // One exp per logit, reused for the gradient, in S: for float Eigen's vectorised packet exp (the
      // scalar double libm exp, twice per logit, was ~11% of a group-rnn d = 8 step, perf, issue 15);
      // the sum and the log stay in double.
      thread_local std::vector<S> ebuf;
      if (ebuf.size() < size_t(V)) ebuf.resize(V);
      Eigen::Map<Eigen::Array<S, Eigen::Dynamic, 1>> e(ebuf.data(), V);
      e = (Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>(z, V) - mx).exp();
      double sum = 0;
      for (int v = 0; v < V; ++v) sum += double(e[v]);
      double lse = std::log(sum) + double(mx);
      row_loss[m] = w * (lse - double(z[y]));
      row_correct[m] = (arg == y) ? w : 0.0;
      if (dlogits) {
        S* d = dlogits + size_t(m) * V;
        const double s = grad_scale * w / sum;
        for (int v = 0; v < V; ++v) d[v] = S(s * double(e[v]));
        d[y] -= S(grad_scale * w);
      }
    }
    XentResult r;
    for (int m = 0; m < M; ++m) {
      r.loss_sum += row_loss[m];
      r.correct += row_correct[m];
      r.weight_sum += weights ? double(weights[m]) : 1.0;
    }
    return r;
  }

  void layernorm_fwd(const S* x, const S* gamma, const S* beta, S* y, S* mean, S* rstd, int M, int N,
                     double eps) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(size_t(M) * N))
    for (int m = 0; m < M; ++m) {
      const S* xr = x + size_t(m) * N;
      S* yr = y + size_t(m) * N;
      double mu = 0;
      for (int n = 0; n < N; ++n) mu += xr[n];
      mu /= N;
      double var = 0;
      for (int n = 0; n < N; ++n) var += (xr[n] - mu) * (xr[n] - mu);
      var /= N;
      double rs = 1.0 / std::sqrt(var + eps);
      mean[m] = S(mu);
      rstd[m] = S(rs);
      for (int n = 0; n < N; ++n) yr[n] = S((xr[n] - mu) * rs) * gamma[n] + beta[n];
    }
  }

  void layernorm_bwd(const S* dy, const S* x, const S* gamma, const S* mean, const S* rstd, S* dx, S* dgamma,
                     S* dbeta, int M, int N) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(size_t(M) * N))
    for (int m = 0; m < M; ++m) {
      const S* xr = x + size_t(m) * N;
      const S* dyr = dy + size_t(m) * N;
      S* dxr = dx + size_t(m) * N;
      double mu = mean[m], rs = rstd[m];
      double sum_g = 0, sum_gx = 0;
      for (int n = 0; n < N; ++n) {
        double g = double(dyr[n]) * gamma[n];
        double xh = (xr[n] - mu) * rs;
        sum_g += g;
        sum_gx += g * xh;
      }
      sum_g /= N;
      sum_gx /= N;
      for (int n = 0; n < N; ++n) {
        double xh = (xr[n] - mu) * rs;
        dxr[n] = S(rs * (double(dyr[n]) * gamma[n] - sum_g - xh * sum_gx));
      }
    }
    // Parameter gradients: columns in parallel, rows in fixed order.
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(size_t(M) * N) && N >= 64)
    for (int n0 = 0; n0 < N; n0 += 16) {
      int n1 = std::min(N, n0 + 16);
      for (int m = 0; m < M; ++m) {
        const S* xr = x + size_t(m) * N;
        const S* dyr = dy + size_t(m) * N;
        for (int n = n0; n < n1; ++n) {
          dgamma[n] += dyr[n] * S((xr[n] - mean[m]) * rstd[m]);
          dbeta[n] += dyr[n];
        }
      }
    }
  }

  void gelu_fwd(const S* x, S* y, size_t n) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) y[i] = S(0.5) * x[i] * (S(1) + std::erf(x[i] * S(M_SQRT1_2)));
  }
  void gelu_bwd(const S* x, const S* dy, S* dx, size_t n) override {
    const S inv_sqrt_2pi = S(0.3989422804014327);
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) {
      S cdf = S(0.5) * (S(1) + std::erf(x[i] * S(M_SQRT1_2)));
      S pdf = inv_sqrt_2pi * std::exp(S(-0.5) * x[i] * x[i]);
      dx[i] = dy[i] * (cdf + x[i] * pdf);
    }
  }
  void sigmoid_fwd(const S* x, S* y, size_t n) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) y[i] = S(1) / (S(1) + std::exp(-x[i]));
  }
  void tanh_fwd(const S* x, S* y, size_t n) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
  }

  void axpy(S a, const S* x, S* y, size_t n) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
  }
  void scale(S* x, S a, size_t n) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) x[i] *= a;
  }
  void mul(const S* a, const S* b, S* y, size_t n) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
  }
  void mul_acc(const S* a, const S* b, S* y, size_t n) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) y[i] += a[i] * b[i];
  }

  double sumsq(const S* x, size_t n) override {
    // Fixed chunking (independent of thread count) then an ordered sum: bit-identical for any threads.
    const size_t chunk = 1 << 14;
    size_t nchunks = (n + chunk - 1) / chunk;
    std::vector<double> part(nchunks);
#pragma omp parallel for schedule(static) num_threads(threads_) if (nchunks > 1)
    for (size_t c = 0; c < nchunks; ++c) {
      double s = 0;
      size_t e = std::min(n, (c + 1) * chunk);
      for (size_t i = c * chunk; i < e; ++i) s += double(x[i]) * double(x[i]);
      part[c] = s;
    }
    double s = 0;
    for (double p : part) s += p;
    return s;
  }

  bool has_nonfinite(const S* x, size_t n) override {
    int bad = 0;
#pragma omp parallel for schedule(static) num_threads(threads_) reduction(| : bad) if (big(n))
    for (size_t i = 0; i < n; ++i) bad |= !std::isfinite(x[i]);
    return bad != 0;
  }

  void adamw(S* p, const S* g, S* m, S* v, size_t n, double lr, double b1, double b2, double eps, double wd,
             double bc1, double bc2) override {
    const S sb1 = S(b1), sb2 = S(b2), slr = S(lr), seps = S(eps), swd = S(wd);
    const S ibc1 = S(1.0 / bc1), ibc2 = S(1.0 / bc2);
#pragma omp parallel for schedule(static) num_threads(threads_) if (big(n))
    for (size_t i = 0; i < n; ++i) {
      m[i] = sb1 * m[i] + (S(1) - sb1) * g[i];
      v[i] = sb2 * v[i] + (S(1) - sb2) * g[i] * g[i];
      S mh = m[i] * ibc1, vh = v[i] * ibc2;
      p[i] -= slr * (mh / (std::sqrt(vh) + seps) + swd * p[i]);
    }
  }

 private:
  int threads_;
};

}  // namespace

namespace UDLAB_CPU_ISA_NS {

template <class S>
std::unique_ptr<DenseOps<S>> make_cpu_dense_ops(int threads) {
  return std::make_unique<CpuDenseOps<S>>(threads);
}
template std::unique_ptr<DenseOps<float>> make_cpu_dense_ops<float>(int);
template std::unique_ptr<DenseOps<double>> make_cpu_dense_ops<double>(int);

}  // namespace UDLAB_CPU_ISA_NS

}  // namespace udlab
