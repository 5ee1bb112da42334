// CPU twin of RnnOps (core/backend/rnn_ops.h).
// Cell kernels split rows over OpenMP threads. Sequence kernels give each thread a fixed block of
// sequences for all T steps: sequences are independent, so a whole layer runs with no barrier per
// step (a fork/join per step costs more than the step itself on a busy 2-core machine), and each
// thread runs the per-step product on its rows with the register-tiled kernel of small_gemm.h.
// Static partitions only, so results are bit-identical for a fixed thread count. Eigen array
// expressions give vectorised sigmoid/tanh for float.
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/backend/cpu/small_gemm.h"

namespace udlab {
namespace {

template <class S>
using Arr = Eigen::Map<Eigen::Array<S, Eigen::Dynamic, 1>>;
template <class S>
using CArr = Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>;
template <class S>
using RowMat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
using MatC = Eigen::Map<const RowMat<S>>;

// ---- row kernels: rows [0, R) of one step, single-threaded ----

template <class S>
void lstm_rows_fwd(S* gates, const S* c_prev, S* c, S* tanh_c, S* h, int R, int H) {
  for (int b = 0; b < R; ++b) {
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

template <class S>
void lstm_rows_bwd(const S* gates, const S* c_prev, const S* tanh_c, const S* dh, S* dc, S* dgates, int R, int H) {
  for (int b = 0; b < R; ++b) {
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

template <class S>
void tanh_rows_fwd(const S* pre, S* h, int R, int H) {
  for (int b = 0; b < R; ++b) Arr<S>(h + size_t(b) * H, H) = CArr<S>(pre + size_t(b) * H, H).tanh();
}

template <class S>
void tanh_rows_bwd(const S* h, const S* dh, S* dpre, int R, int H) {
  for (int b = 0; b < R; ++b) {
    CArr<S> hr(h + size_t(b) * H, H);
    Arr<S>(dpre + size_t(b) * H, H) = CArr<S>(dh + size_t(b) * H, H) * (S(1) - hr.square());
  }
}

// modReLU on rows [0, R): unit u is entries [u·p, u·p + p) of a row; h = z(1 + b/|z|) where active.
template <class S>
void modrelu_rows_fwd(const S* z, const S* bias, S* h, int R, int H, int p) {
  for (size_t i = 0; i < size_t(R) * H; i += p) {
    S r2 = 0;
    for (int j = 0; j < p; ++j) r2 += z[i + j] * z[i + j];
    const S r = std::sqrt(r2), b = bias[(i % H) / p];
    const S scale = r > S(0) && r + b > S(0) ? S(1) + b / r : S(0);
    for (int j = 0; j < p; ++j) h[i + j] = z[i + j] * scale;
  }
}
// dz = g(1 + b/r) − z·b(z·g)/r³ where active (∂|z|/∂z = z/r), else 0.
template <class S>
void modrelu_rows_bwd(const S* z, const S* bias, const S* g, S* dz, int R, int H, int p) {
  for (size_t i = 0; i < size_t(R) * H; i += p) {
    S r2 = 0, zg = 0;
    for (int j = 0; j < p; ++j) {
      r2 += z[i + j] * z[i + j];
      zg += z[i + j] * g[i + j];
    }
    const S r = std::sqrt(r2), b = bias[(i % H) / p];
    const bool on = r > S(0) && r + b > S(0);
    for (int j = 0; j < p; ++j) dz[i + j] = on ? g[i + j] * (S(1) + b / r) - z[i + j] * b * zg / (r2 * r) : S(0);
  }
}

// pre[R,GH] += hprev[R,H] · W_hh^T: the recurrent term of one step (Wt = W_hh^T, packed).
template <class S>
void rows_add_hW(const S* hprev, const cpu::PackedB<S>& Wt, S* pre, int R) {
  cpu::small_gemm_acc(hprev, Wt.K, Wt, pre, Wt.N, R);
}
// dh[R,H] += dpre[R,GH] · W_hh: the gradient of that term with respect to h_{t-1} (W_hh packed).
template <class S>
void rows_add_dW(const S* dpre, const cpu::PackedB<S>& W, S* dh, int R) {
  cpu::small_gemm_acc(dpre, W.K, W, dh, W.N, R);
}

// A cell step is only B*H elements (8k for B=32, H=256) but each costs several exp/tanh; waking a
// second thread pays off from a few thousand elements on.
inline bool worth_threads(int B, int H) { return B > 1 && size_t(B) * H >= 2048; }
// A whole-layer recurrence does T steps of 2·B·G·H·H flops per thread wake-up.
inline bool worth_threads_seq(int T, int B, int GH, int H) { return B > 1 && double(T) * B * GH * H >= 1e6; }

// Calls f(b0, b1) on a static partition of [0, B) over the team.
template <class F>
void for_row_blocks(int B, int threads, bool parallel, F&& f) {
  const int nt = parallel ? std::max(1, std::min(threads, B)) : 1;
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    const int id = omp_get_thread_num(), n = omp_get_num_threads();
    const int b0 = int(int64_t(B) * id / n), b1 = int(int64_t(B) * (id + 1) / n);
    if (b1 > b0) f(b0, b1);
  }
}

template <class S>
class CpuRnnOps final : public RnnOps<S> {
 public:
  explicit CpuRnnOps(int threads) : threads_(threads) {}

  void lstm_cell_fwd(S* gates, const S* c_prev, S* c, S* tanh_c, S* h, int B, int H) override {
    for_row_blocks(B, threads_, worth_threads(B, H), [&](int b0, int b1) {
      const size_t o = size_t(b0) * H;
      lstm_rows_fwd(gates + 4 * o, c_prev ? c_prev + o : nullptr, c + o, tanh_c + o, h + o, b1 - b0, H);
    });
  }

  void lstm_cell_bwd(const S* gates, const S* c_prev, const S* tanh_c, const S* dh, S* dc, S* dgates, int B,
                     int H) override {
    for_row_blocks(B, threads_, worth_threads(B, H), [&](int b0, int b1) {
      const size_t o = size_t(b0) * H;
      lstm_rows_bwd(gates + 4 * o, c_prev ? c_prev + o : nullptr, tanh_c + o, dh + o, dc + o, dgates + 4 * o,
                    b1 - b0, H);
    });
  }

  void rnn_tanh_cell_fwd(const S* pre, S* h, int B, int H) override {
    for_row_blocks(B, threads_, worth_threads(B, H), [&](int b0, int b1) {
      tanh_rows_fwd(pre + size_t(b0) * H, h + size_t(b0) * H, b1 - b0, H);
    });
  }

  void rnn_tanh_cell_bwd(const S* h, const S* dh, S* dpre, int B, int H) override {
    for_row_blocks(B, threads_, worth_threads(B, H), [&](int b0, int b1) {
      const size_t o = size_t(b0) * H;
      tanh_rows_bwd(h + o, dh + o, dpre + o, b1 - b0, H);
    });
  }

  void lstm_seq_fwd(S* pre, const S* w_hh, S* h, S* c, S* tanh_c, int T, int B, int H) override {
    const int GH = 4 * H;
    const auto& wt = pack_transposed(w_hh, GH, H);
    for_row_blocks(B, threads_, worth_threads_seq(T, B, GH, H), [&](int b0, int b1) {
      const int R = b1 - b0;
      for (int t = 0; t < T; ++t) {
        const size_t r = size_t(t) * B + b0, rp = size_t(t - 1) * B + b0;  // this block's rows at t, t-1
        if (t > 0) rows_add_hW(h + rp * H, wt, pre + r * GH, R);
        lstm_rows_fwd(pre + r * GH, t > 0 ? c + rp * H : nullptr, c + r * H, tanh_c + r * H, h + r * H, R, H);
      }
    });
  }

  void lstm_seq_bwd(const S* pre, const S* w_hh, const S* c, const S* tanh_c, S* dh, S* dpre, S* dc, int T, int B,
                    int H) override {
    const int GH = 4 * H;
    const auto& w = pack(w_hh, GH, H);
    for_row_blocks(B, threads_, worth_threads_seq(T, B, GH, H), [&](int b0, int b1) {
      const int R = b1 - b0;
      S* dcb = dc + size_t(b0) * H;
      std::fill(dcb, dcb + size_t(R) * H, S(0));  // nothing flows into c_{T-1} from later steps
      for (int t = T - 1; t >= 0; --t) {
        const size_t r = size_t(t) * B + b0, rp = size_t(t - 1) * B + b0, rn = size_t(t + 1) * B + b0;
        if (t < T - 1) rows_add_dW(dpre + rn * GH, w, dh + r * H, R);
        lstm_rows_bwd(pre + r * GH, t > 0 ? c + rp * H : nullptr, tanh_c + r * H, dh + r * H, dcb, dpre + r * GH, R,
                      H);
      }
    });
  }

  void rnn_tanh_seq_fwd(S* pre, const S* w_hh, S* h, int T, int B, int H) override {
    const auto& wt = pack_transposed(w_hh, H, H);
    for_row_blocks(B, threads_, worth_threads_seq(T, B, H, H), [&](int b0, int b1) {
      const int R = b1 - b0;
      for (int t = 0; t < T; ++t) {
        const size_t r = size_t(t) * B + b0, rp = size_t(t - 1) * B + b0;
        if (t > 0) rows_add_hW(h + rp * H, wt, pre + r * H, R);
        tanh_rows_fwd(pre + r * H, h + r * H, R, H);
      }
    });
  }

  void rnn_tanh_seq_bwd(const S* h, const S* w_hh, S* dh, S* dpre, int T, int B, int H) override {
    const auto& w = pack(w_hh, H, H);
    for_row_blocks(B, threads_, worth_threads_seq(T, B, H, H), [&](int b0, int b1) {
      const int R = b1 - b0;
      for (int t = T - 1; t >= 0; --t) {
        const size_t r = size_t(t) * B + b0, rn = size_t(t + 1) * B + b0;
        if (t < T - 1) rows_add_dW(dpre + rn * H, w, dh + r * H, R);
        tanh_rows_bwd(h + r * H, dh + r * H, dpre + r * H, R, H);
      }
    });
  }

  void modrelu_seq_fwd(S* pre, const S* w_hh, const S* bias, S* h, int T, int B, int H, int pair) override {
    const auto& wt = pack_transposed(w_hh, H, H);
    for_row_blocks(B, threads_, worth_threads_seq(T, B, H, H), [&](int b0, int b1) {
      const int R = b1 - b0;
      for (int t = 0; t < T; ++t) {
        const size_t r = size_t(t) * B + b0, rp = size_t(t - 1) * B + b0;
        if (t > 0) rows_add_hW(h + rp * H, wt, pre + r * H, R);
        modrelu_rows_fwd(pre + r * H, bias, h + r * H, R, H, pair);
      }
    });
  }

  void modrelu_seq_bwd(const S* pre, const S* w_hh, const S* bias, S* dh, S* dpre, S* dbias, int T, int B, int H,
                       int pair) override {
    const auto& w = pack(w_hh, H, H);
    for_row_blocks(B, threads_, worth_threads_seq(T, B, H, H), [&](int b0, int b1) {
      const int R = b1 - b0;
      for (int t = T - 1; t >= 0; --t) {
        const size_t r = size_t(t) * B + b0, rn = size_t(t + 1) * B + b0;
        if (t < T - 1) rows_add_dW(dpre + rn * H, w, dh + r * H, R);
        modrelu_rows_bwd(pre + r * H, bias, dh + r * H, dpre + r * H, R, H, pair);
      }
    });
    // ∂L/∂b_u = Σ_rows (z·g)/r over active units: one fixed-order pass, so it is deterministic.
    std::fill(dbias, dbias + H / pair, S(0));
    for (size_t i = 0; i < size_t(T) * B * H; i += pair) {
      S r2 = 0, zg = 0;
      for (int j = 0; j < pair; ++j) {
        r2 += pre[i + j] * pre[i + j];
        zg += pre[i + j] * dh[i + j];
      }
      const S r = std::sqrt(r2), b = bias[(i % H) / pair];
      if (r > S(0) && r + b > S(0)) dbias[(i % H) / pair] += zg / r;
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
  // The recurrent weight W [N,K] packed once per layer call, as Bm = W^T [K,N] for the forward
  // product or Bm = W for the backward one (host scratch kept between calls: this is the CPU twin).
  const cpu::PackedB<S>& pack_transposed(const S* W, int N, int K) {
    packed_.pack(K, N, [&](int k, int n) { return W[size_t(n) * K + k]; });
    return packed_;
  }
  const cpu::PackedB<S>& pack(const S* W, int N, int K) {
    packed_.pack(N, K, [&](int k, int n) { return W[size_t(k) * K + n]; });
    return packed_;
  }

  int threads_;
  cpu::PackedB<S> packed_;
};

}  // namespace

namespace UDLAB_CPU_ISA_NS {

template <class S>
std::unique_ptr<RnnOps<S>> make_cpu_rnn_ops(int threads) {
  return std::make_unique<CpuRnnOps<S>>(threads);
}
template std::unique_ptr<RnnOps<float>> make_cpu_rnn_ops<float>(int);
template std::unique_ptr<RnnOps<double>> make_cpu_rnn_ops<double>(int);

}  // namespace UDLAB_CPU_ISA_NS

}  // namespace udlab
