// CPU twin of RnnOps (core/backend/rnn_ops.h). Rows are split over OpenMP threads with a static
// schedule; each row is independent, so results do not depend on the thread count. Eigen array
// expressions give vectorised sigmoid/tanh for float (the cells are transcendental-bound).
#include <omp.h>

#include <Eigen/Core>
#include <cmath>

#include "core/backend/cpu/cpu_backend.h"

namespace udlab {
namespace {

template <class S>
using Arr = Eigen::Map<Eigen::Array<S, Eigen::Dynamic, 1>>;
template <class S>
using CArr = Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>;

// A cell step is only B*H elements (8k for B=32, H=256) but each costs several exp/tanh; waking a
// second thread pays off from a few thousand elements on.
inline bool worth_threads(int B, int H) { return B > 1 && size_t(B) * H >= 2048; }

template <class S>
class CpuRnnOps final : public RnnOps<S> {
 public:
  explicit CpuRnnOps(int threads) : threads_(threads) {}

  void lstm_cell_fwd(S* gates, const S* c_prev, S* c, S* tanh_c, S* h, int B, int H) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (worth_threads(B, H))
    for (int b = 0; b < B; ++b) {
      S* g = gates + size_t(b) * 4 * H;
      Arr<S> gi(g, H), gf(g + H, H), gg(g + 2 * H, H), go(g + 3 * H, H);
      gi = gi.logistic();
      gf = gf.logistic();
      gg = gg.tanh();
      go = go.logistic();
      Arr<S> cr(c + size_t(b) * H, H), tc(tanh_c + size_t(b) * H, H), hr(h + size_t(b) * H, H);
      if (c_prev) cr = gf * CArr<S>(c_prev + size_t(b) * H, H) + gi * gg;
      else cr = gi * gg;
      tc = cr.tanh();
      hr = go * tc;
    }
  }

  void lstm_cell_bwd(const S* gates, const S* c_prev, const S* tanh_c, const S* dh, S* dc, S* dgates, int B,
                     int H) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (worth_threads(B, H))
    for (int b = 0; b < B; ++b) {
      const S* g = gates + size_t(b) * 4 * H;
      CArr<S> gi(g, H), gf(g + H, H), gg(g + 2 * H, H), go(g + 3 * H, H);
      CArr<S> tc(tanh_c + size_t(b) * H, H), dhr(dh + size_t(b) * H, H);
      Arr<S> dcr(dc + size_t(b) * H, H);
      S* dg = dgates + size_t(b) * 4 * H;
      Arr<S> di(dg, H), df(dg + H, H), dgg(dg + 2 * H, H), dout(dg + 3 * H, H);
      // ∂L/∂c_t over both paths: through h_t = o tanh(c_t) and through c_{t+1}.
      dcr += dhr * go * (S(1) - tc.square());
      dout = dhr * tc * go * (S(1) - go);
      di = dcr * gg * gi * (S(1) - gi);
      dgg = dcr * gi * (S(1) - gg.square());
      if (c_prev) df = dcr * CArr<S>(c_prev + size_t(b) * H, H) * gf * (S(1) - gf);
      else df.setZero();
      dcr *= gf;
    }
  }

  void rnn_tanh_cell_fwd(const S* pre, S* h, int B, int H) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (worth_threads(B, H))
    for (int b = 0; b < B; ++b) Arr<S>(h + size_t(b) * H, H) = CArr<S>(pre + size_t(b) * H, H).tanh();
  }

  void rnn_tanh_cell_bwd(const S* h, const S* dh, S* dpre, int B, int H) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (worth_threads(B, H))
    for (int b = 0; b < B; ++b) {
      CArr<S> hr(h + size_t(b) * H, H);
      Arr<S>(dpre + size_t(b) * H, H) = CArr<S>(dh + size_t(b) * H, H) * (S(1) - hr.square());
    }
  }

  void row_norms(const S* x, S* norms, int M, int N) override {
#pragma omp parallel for schedule(static) num_threads(threads_) if (size_t(M) * N >= (1u << 15))
    for (int m = 0; m < M; ++m) {
      double s = 0;
      const S* r = x + size_t(m) * N;
      for (int n = 0; n < N; ++n) s += double(r[n]) * double(r[n]);
      norms[m] = S(std::sqrt(s));
    }
  }

 private:
  int threads_;
};

}  // namespace

template <class S>
std::unique_ptr<RnnOps<S>> make_cpu_rnn_ops(int threads) {
  return std::make_unique<CpuRnnOps<S>>(threads);
}
template std::unique_ptr<RnnOps<float>> make_cpu_rnn_ops<float>(int);
template std::unique_ptr<RnnOps<double>> make_cpu_rnn_ops<double>(int);

}  // namespace udlab
