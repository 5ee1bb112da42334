// CPU twin of core/backend/lru_ops.h. States stay in S (float32 when training); only λ, its powers and
// the parameter-gradient reductions use double. Every reduction runs in an order fixed by the shapes,
// never by the thread count, so a run is bit-identical for a fixed seed whatever --threads says.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"

namespace udlab {
namespace {

constexpr double kTwoPi = 6.283185307179586;

// Rows per partial sum in the column reductions (gamma_grad, skip_bwd): a fixed block, then an ordered
// sum over blocks.
constexpr int kReduceRows = 64;

template <class S>
class CpuLruOps final : public LruOps<S> {
 public:
  explicit CpuLruOps(int threads) : threads_(threads) {}

  void lambda(const S* nu_log, const S* theta_log, S* lam_re, S* lam_im, int N) override {
    for (int n = 0; n < N; ++n) {
      double mag = std::exp(-std::exp(double(nu_log[n])));
      double th = std::fmod(std::exp(double(theta_log[n])), kTwoPi);
      lam_re[n] = S(mag * std::cos(th));
      lam_im[n] = S(mag * std::sin(th));
    }
  }

  void scan(const S* lam_re, const S* lam_im, const S* in_re, const S* in_im, S* x_re, S* x_im, int B, int T,
            int N, bool reverse, LruScanMethod method, int chunk) override {
    if (B <= 0 || T <= 0 || N <= 0) return;
    // The adjoint is the same recurrence run backwards in time with conj(λ).
    std::vector<S> lr(lam_re, lam_re + N), li(lam_im, lam_im + N);
    if (reverse)
      for (auto& v : li) v = -v;
    if (method == LruScanMethod::kLoop || chunk >= T) {
      loop(lr.data(), li.data(), in_re, in_im, x_re, x_im, B, T, N, reverse);
      return;
    }
    chunked(lr.data(), li.data(), in_re, in_im, x_re, x_im, B, T, N, reverse, std::max(1, chunk));
  }

  void gamma_scale(const S* gamma_log, S* re, S* im, int M, int N) override {
    std::vector<S> g(N);
    for (int n = 0; n < N; ++n) g[n] = S(std::exp(double(gamma_log[n])));
#pragma omp parallel for schedule(static) num_threads(threads_) if (size_t(M) * N >= (1u << 15))
    for (int m = 0; m < M; ++m) {
      S* r = re + size_t(m) * N;
      S* i = im + size_t(m) * N;
      for (int n = 0; n < N; ++n) {
        r[n] *= g[n];
        i[n] *= g[n];
      }
    }
  }

  void lambda_grad(const S* nu_log, const S* theta_log, const S* lam_re, const S* lam_im, const S* x_re,
                   const S* x_im, const S* d_re, const S* d_im, int B, int T, int N, S* dnu_log,
                   S* dtheta_log) override {
    // part[b] = Σ_t conj(x[b,t−1]) d[b,t], one batch row per task, summed over rows in order below.
    std::vector<double> pre(size_t(B) * N), pim(size_t(B) * N);
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int b = 0; b < B; ++b) {
      double* sr = pre.data() + size_t(b) * N;
      double* si = pim.data() + size_t(b) * N;
      for (int t = 1; t < T; ++t) {
        size_t prev = (size_t(b) * T + t - 1) * N, cur = prev + N;
        const S *xr = x_re + prev, *xi = x_im + prev, *dr = d_re + cur, *di = d_im + cur;
        for (int n = 0; n < N; ++n) {
          sr[n] += double(xr[n]) * dr[n] + double(xi[n]) * di[n];
          si[n] += double(xr[n]) * di[n] - double(xi[n]) * dr[n];
        }
      }
    }
    for (int n = 0; n < N; ++n) {
      double sr = 0, si = 0;
      for (int b = 0; b < B; ++b) {
        sr += pre[size_t(b) * N + n];
        si += pim[size_t(b) * N + n];
      }
      double lr = lam_re[n], li = lam_im[n];
      double g_re = lr * sr + li * si, g_im = lr * si - li * sr;  // conj(λ)·Σ
      dnu_log[n] += S(-std::exp(double(nu_log[n])) * g_re);
      dtheta_log[n] += S(std::exp(double(theta_log[n])) * g_im);
    }
  }

  void gamma_grad(const S* b_re, const S* b_im, const S* d_re, const S* d_im, int M, int N,
                  S* dgamma_log) override {
    column_reduce(M, N, dgamma_log, [&](int m, int n) {
      size_t k = size_t(m) * N + n;
      return double(b_re[k]) * d_re[k] + double(b_im[k]) * d_im[k];
    });
  }

  void skip_fwd(const S* D, const S* u, S* y, int M, int H) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (size_t(M) * H >= (1u << 15))
    for (int m = 0; m < M; ++m) {
      const S* ur = u + size_t(m) * H;
      S* yr = y + size_t(m) * H;
      for (int h = 0; h < H; ++h) yr[h] += D[h] * ur[h];
    }
  }

  void skip_bwd(const S* D, const S* u, const S* g, S* du, S* dD, int M, int H) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (size_t(M) * H >= (1u << 15))
    for (int m = 0; m < M; ++m) {
      const S* gr = g + size_t(m) * H;
      S* dr = du + size_t(m) * H;
      for (int h = 0; h < H; ++h) dr[h] = D[h] * gr[h];
    }
    column_reduce(M, H, dD, [&](int m, int h) {
      size_t k = size_t(m) * H + h;
      return double(g[k]) * u[k];
    });
  }

  void row_norms(const S* re, const S* im, int M, int N, S* out) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (size_t(M) * N >= (1u << 15))
    for (int m = 0; m < M; ++m) {
      const S* r = re + size_t(m) * N;
      const S* i = im + size_t(m) * N;
      double s = 0;
      for (int n = 0; n < N; ++n) s += double(r[n]) * r[n] + double(i[n]) * i[n];
      out[m] = S(std::sqrt(s));
    }
  }

 private:
  // One step of x ← λ x + in over N channels (λ already conjugated for the reverse scan).
  static inline void step(const S* lr, const S* li, const S* prev_re, const S* prev_im, const S* in_re,
                          const S* in_im, S* out_re, S* out_im, int N) {
    for (int n = 0; n < N; ++n) {
      S pr = prev_re[n], pi = prev_im[n];
      S nr = lr[n] * pr - li[n] * pi + in_re[n];
      S ni = lr[n] * pi + li[n] * pr + in_im[n];
      out_re[n] = nr;
      out_im[n] = ni;
    }
  }

  // Row offset of scan step s of sequence b: forward runs t = s, reverse runs t = T−1−s.
  static inline size_t row(int b, int s, int T, int N, bool reverse) {
    int t = reverse ? T - 1 - s : s;
    return (size_t(b) * T + t) * N;
  }

  void loop(const S* lr, const S* li, const S* in_re, const S* in_im, S* x_re, S* x_im, int B, int T, int N,
            bool reverse) {
#pragma omp parallel for schedule(static) num_threads(threads_) if (B > 1)
    for (int b = 0; b < B; ++b) run_chunk(lr, li, in_re, in_im, x_re, x_im, b, 0, T, T, N, reverse);
  }

  // Scans steps [s0, s1) of sequence b from a zero state.
  static void run_chunk(const S* lr, const S* li, const S* in_re, const S* in_im, S* x_re, S* x_im, int b,
                        int s0, int s1, int T, int N, bool reverse) {
    size_t r0 = row(b, s0, T, N, reverse);
    if (x_re != in_re) std::copy_n(in_re + r0, N, x_re + r0);
    if (x_im != in_im) std::copy_n(in_im + r0, N, x_im + r0);
    size_t prev = r0;
    for (int s = s0 + 1; s < s1; ++s) {
      size_t cur = row(b, s, T, N, reverse);
      step(lr, li, x_re + prev, x_im + prev, in_re + cur, in_im + cur, x_re + cur, x_im + cur, N);
      prev = cur;
    }
  }

  void chunked(const S* lr, const S* li, const S* in_re, const S* in_im, S* x_re, S* x_im, int B, int T, int N,
               bool reverse, int chunk) {
    const int nc = (T + chunk - 1) / chunk;
    // Phase 1: every chunk of every sequence from zero.
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int w = 0; w < B * nc; ++w) {
      int b = w / nc, c = w % nc;
      run_chunk(lr, li, in_re, in_im, x_re, x_im, b, c * chunk, std::min(T, (c + 1) * chunk), T, N, reverse);
    }
    // pw[j] = λ^{j+1}, j < chunk, from the polar form of the rounded λ in double (math-notes §5.8):
    // repeated multiplication in S would drift from the loop over thousands of steps.
    std::vector<S> pw_re(size_t(chunk) * N), pw_im(size_t(chunk) * N);
    powers(lr, li, N, chunk, pw_re.data(), pw_im.data());
    // Phase 2: the true state entering chunk c is carry[c] = λ^chunk carry[c−1] + (chunk c−1's local end).
    std::vector<S> carry_re(size_t(B) * nc * N), carry_im(size_t(B) * nc * N);
    const S* pc_re = pw_re.data() + size_t(chunk - 1) * N;
    const S* pc_im = pw_im.data() + size_t(chunk - 1) * N;
#pragma omp parallel for schedule(static) num_threads(threads_) if (B > 1)
    for (int b = 0; b < B; ++b) {
      for (int c = 1; c < nc; ++c) {
        size_t end = row(b, c * chunk - 1, T, N, reverse);
        size_t prev = (size_t(b) * nc + c - 1) * N, cur = prev + N;
        step(pc_re, pc_im, carry_re.data() + prev, carry_im.data() + prev, x_re + end, x_im + end,
             carry_re.data() + cur, carry_im.data() + cur, N);
      }
    }
    // Phase 3: add λ^{j+1} carry[c] to step j of chunk c.
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int w = 0; w < B * nc; ++w) {
      int b = w / nc, c = w % nc;
      if (c == 0) continue;
      const S* cr = carry_re.data() + (size_t(b) * nc + c) * N;
      const S* ci = carry_im.data() + (size_t(b) * nc + c) * N;
      int s1 = std::min(T, (c + 1) * chunk);
      for (int s = c * chunk; s < s1; ++s) {
        size_t r = row(b, s, T, N, reverse);
        const S* pr = pw_re.data() + size_t(s - c * chunk) * N;
        const S* pi = pw_im.data() + size_t(s - c * chunk) * N;
        S* xr = x_re + r;
        S* xi = x_im + r;
        for (int n = 0; n < N; ++n) {
          xr[n] += pr[n] * cr[n] - pi[n] * ci[n];
          xi[n] += pr[n] * ci[n] + pi[n] * cr[n];
        }
      }
    }
  }

  // pw[j, n] = λ_n^{j+1} = e^{−(j+1)ν}(cos, sin)((j+1)θ mod 2π), with ν = −log|λ|, θ = arg λ in double.
  void powers(const S* lr, const S* li, int N, int len, S* pw_re, S* pw_im) {
    std::vector<double> nu(N), th(N);
    for (int n = 0; n < N; ++n) {
      double r = std::hypot(double(lr[n]), double(li[n]));
      nu[n] = -std::log(r);  // +inf for λ = 0: every power is then exactly 0
      th[n] = std::atan2(double(li[n]), double(lr[n]));
    }
#pragma omp parallel for schedule(static) num_threads(threads_) if (size_t(len) * N >= 4096)
    for (int j = 0; j < len; ++j) {
      double t = j + 1;
      for (int n = 0; n < N; ++n) {
        double mag = std::exp(-t * nu[n]);
        double ph = std::fmod(t * th[n], kTwoPi);
        // Flush denormals: they are noise here and slow every later multiply.
        if (mag < 1e-30) mag = 0;
        pw_re[size_t(j) * N + n] = S(mag * std::cos(ph));
        pw_im[size_t(j) * N + n] = S(mag * std::sin(ph));
      }
    }
  }

  // out[n] += Σ_m f(m, n) in double: fixed row blocks in parallel, then an ordered sum over blocks.
  template <class F>
  void column_reduce(int M, int N, S* out, F f) {
    int nb = (M + kReduceRows - 1) / kReduceRows;
    std::vector<double> part(size_t(nb) * N);
#pragma omp parallel for schedule(static) num_threads(threads_) if (nb > 1)
    for (int k = 0; k < nb; ++k) {
      double* p = part.data() + size_t(k) * N;
      int m1 = std::min(M, (k + 1) * kReduceRows);
      for (int m = k * kReduceRows; m < m1; ++m)
        for (int n = 0; n < N; ++n) p[n] += f(m, n);
    }
    for (int n = 0; n < N; ++n) {
      double s = 0;
      for (int k = 0; k < nb; ++k) s += part[size_t(k) * N + n];
      out[n] += S(s);
    }
  }

  int threads_;
};

}  // namespace

namespace UDLAB_CPU_ISA_NS {

template <class S>
std::unique_ptr<LruOps<S>> make_cpu_lru_ops(int threads) {
  return std::make_unique<CpuLruOps<S>>(threads);
}
template std::unique_ptr<LruOps<float>> make_cpu_lru_ops<float>(int);
template std::unique_ptr<LruOps<double>> make_cpu_lru_ops<double>(int);

}  // namespace UDLAB_CPU_ISA_NS

}  // namespace udlab
