#include "core/groups/small_mm.h"

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <mutex>
#include <type_traits>
#include <vector>

#if defined(UDLAB_HAVE_LIBXSMM)
#include <libxsmm.h>
#endif

namespace udlab::smm {
namespace {

template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Each thread counts its own flops in a constant-initialised thread_local (no guard on the hot path;
// only it writes); total_flops() sums the registered counters and those of threads that have ended.
// The registry is never destroyed: OpenMP's pool threads end after the static destructors have run at
// exit, and their Registration still needs it (a heap-use-after-free that ASan found, issue 16).
struct Counters {
  std::mutex mutex;
  std::uint64_t retired = 0;
  std::vector<std::atomic<std::uint64_t>*> live;
};
Counters& counters() {
  static Counters* c = new Counters;
  return *c;
}
thread_local std::atomic<std::uint64_t> t_flops{0};
thread_local bool t_registered = false;
struct Registration {
  Registration() {
    Counters& c = counters();
    std::lock_guard<std::mutex> l(c.mutex);
    c.live.push_back(&t_flops);
  }
  ~Registration() {
    Counters& c = counters();
    std::lock_guard<std::mutex> l(c.mutex);
    c.retired += t_flops.load();
    c.live.erase(std::find(c.live.begin(), c.live.end(), &t_flops));
  }
};

template <class S>
S* transposed_scratch(size_t n) {
  thread_local std::vector<S> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

#if defined(UDLAB_HAVE_LIBXSMM)
// Row-major C = op(A)·B is column-major Cᵀ = Bᵀ·op(A)ᵀ: libxsmm gets (B, A) and, for ta, its TRANS_B.
template <class S>
using XsmmFn = std::conditional_t<std::is_same_v<S, float>, libxsmm_smmfunction, libxsmm_dmmfunction>;

// Shapes are keyed by two words (20 bits per size; larger shapes skip the cache and libxsmm), compared
// directly: std::equal on int arrays became a memcmp call that cost as much as an 8×8 product.
template <class S>
XsmmFn<S> kernel(int M, int N, int K, bool ta, int lda, int ldb, bool acc, int ldc) {
  struct Entry {
    std::uint64_t k1 = ~0ull, k2 = ~0ull;
    XsmmFn<S> fn = nullptr;
  };
  constexpr int kMax = 1 << 20;
  if (M >= kMax || N >= kMax || K >= kMax || lda >= kMax || ldb >= kMax || ldc >= kMax) return nullptr;
  const std::uint64_t k1 = std::uint64_t(M) | std::uint64_t(N) << 20 | std::uint64_t(K) << 40 |
                           std::uint64_t(ta) << 60 | std::uint64_t(acc) << 61;
  const std::uint64_t k2 = std::uint64_t(lda) | std::uint64_t(ldb) << 20 | std::uint64_t(ldc) << 40;
  thread_local Entry cache[128];
  thread_local Entry* last = nullptr;
  if (last && last->k1 == k1 && last->k2 == k2) return last->fn;
  const std::uint64_t h = (k1 ^ (k2 * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
  Entry& e = cache[h >> 57];
  last = &e;
  if (e.k1 == k1 && e.k2 == k2) return e.fn;
  const S alpha = 1, beta = acc ? 1 : 0;
  const int flags = ta ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE;
  const libxsmm_blasint m = N, n = M, k = K, la = ldb, lb = lda, lc = ldc;
  if constexpr (std::is_same_v<S, float>) e.fn = libxsmm_smmdispatch(m, n, k, &la, &lb, &lc, &alpha, &beta, &flags, nullptr);
  else e.fn = libxsmm_dmmdispatch(m, n, k, &la, &lb, &lc, &alpha, &beta, &flags, nullptr);
  e.k1 = k1;
  e.k2 = k2;
  return e.fn;
}
#endif

template <class S>
void eigen_gemm(int M, int N, int K, bool ta, const S* A, int lda, const S* B, int ldb, bool acc, S* C, int ldc) {
  using CM = Eigen::Map<const RowMat<S>, 0, Eigen::OuterStride<>>;
  Eigen::Map<RowMat<S>, 0, Eigen::OuterStride<>> c(C, M, N, Eigen::OuterStride<>(ldc));
  CM b(B, K, N, Eigen::OuterStride<>(ldb));
  if (!acc) c.setZero();
  if (ta) c.noalias() += CM(A, K, M, Eigen::OuterStride<>(lda)).transpose() * b;
  else c.noalias() += CM(A, M, K, Eigen::OuterStride<>(lda)) * b;
}

}  // namespace

void count_flops(std::uint64_t f) {
  if (!t_registered) {
    thread_local Registration reg;
    t_registered = true;
  }
  t_flops.store(t_flops.load(std::memory_order_relaxed) + f, std::memory_order_relaxed);
}

std::uint64_t total_flops() {
  Counters& c = counters();
  std::lock_guard<std::mutex> l(c.mutex);
  std::uint64_t s = c.retired;
  for (auto* f : c.live) s += f->load(std::memory_order_relaxed);
  return s;
}

template <class S>
void gemm(int M, int N, int K, bool ta, bool tb, const S* A, int lda, const S* B, int ldb, bool acc, S* C, int ldc,
          bool count) {
  if (count) count_flops(2ull * M * N * K);
  if (tb) {  // op(B) = Bᵀ with B stored N×K: make the K×N copy
    S* t = transposed_scratch<S>(size_t(K) * N);
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < N; ++j) t[size_t(k) * N + j] = B[size_t(j) * ldb + k];
    B = t;
    ldb = N;
  }
#if defined(UDLAB_HAVE_LIBXSMM)
  if (auto fn = kernel<S>(M, N, K, ta, lda, ldb, acc, ldc)) {
    fn(B, A, C);
    return;
  }
#endif
  eigen_gemm<S>(M, N, K, ta, A, lda, B, ldb, acc, C, ldc);
}

template <class S>
Kernel<S>::Kernel(int M, int N, int K, bool ta, int lda, int ldb, bool acc, int ldc)
    : M_(M), N_(N), K_(K), lda_(lda), ldb_(ldb), ldc_(ldc), ta_(ta), acc_(acc) {
#if defined(UDLAB_HAVE_LIBXSMM)
  fn_ = reinterpret_cast<Fn>(kernel<S>(M, N, K, ta, lda, ldb, acc, ldc));
#endif
}

template <class S>
void Kernel<S>::operator()(const S* A, const S* B, S* C) const {
  count_flops(2ull * M_ * N_ * K_);
  if (fn_) fn_(B, A, C);
  else eigen_gemm<S>(M_, N_, K_, ta_, A, lda_, B, ldb_, acc_, C, ldc_);
}

template class Kernel<float>;
template class Kernel<double>;

template void gemm<float>(int, int, int, bool, bool, const float*, int, const float*, int, bool, float*, int, bool);
template void gemm<double>(int, int, int, bool, bool, const double*, int, const double*, int, bool, double*, int, bool);

const char* backend_name() {
#if defined(UDLAB_HAVE_LIBXSMM)
  return "libxsmm";
#else
  return "eigen";
#endif
}

}  // namespace udlab::smm
