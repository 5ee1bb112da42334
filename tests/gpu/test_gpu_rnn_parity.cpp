// RnnOps<float>: CUDA cell kernels against the CPU twin. Skips without a CUDA device.
// NOT YET RUN ON A GPU (see docs/cuda.md).
#include "gpu_parity.h"

namespace udlab::gpu_test {
namespace {

// Device expf/tanhf are within a few ulp of the host's; the cells chain 2-4 of them.
constexpr double kAtol = 1e-6, kRtol = 1e-5;

TEST_F(GpuParity, LstmCellForwardBackward) {
  const int B = 7, H = 45;
  for (bool zero_state : {false, true}) {
    auto gates = randn(size_t(B) * 4 * H, 2.0), c_prev = randn(size_t(B) * H), dh = randn(size_t(B) * H),
         dc = randn(size_t(B) * H);
    auto g_gates = on_gpu(gates), g_cprev = on_gpu(c_prev), g_dh = on_gpu(dh), g_dc = on_gpu(dc);
    const float* cp = zero_state ? nullptr : c_prev.data();
    const float* gcp = zero_state ? nullptr : g_cprev.data();
    Buffer<float> g_c(*gpu_, size_t(B) * H), g_tc(*gpu_, size_t(B) * H), g_h(*gpu_, size_t(B) * H),
        g_dg(*gpu_, size_t(B) * 4 * H);
    std::vector<float> c(size_t(B) * H), tc(size_t(B) * H), h(size_t(B) * H), dg(size_t(B) * 4 * H);
    gpu_->rnn().lstm_cell_fwd(g_gates.data(), gcp, g_c.data(), g_tc.data(), g_h.data(), B, H);
    cpu_->rnn().lstm_cell_fwd(gates.data(), cp, c.data(), tc.data(), h.data(), B, H);
    EXPECT_TRUE(close(g_gates.download(), gates, kAtol, kRtol)) << "activated gates, zero_state=" << zero_state;
    EXPECT_TRUE(close(g_c.download(), c, kAtol, kRtol)) << "c";
    EXPECT_TRUE(close(g_tc.download(), tc, kAtol, kRtol)) << "tanh(c)";
    EXPECT_TRUE(close(g_h.download(), h, kAtol, kRtol)) << "h";
    // Backward from each side's own forward state, so the comparison isolates the backward kernel.
    gpu_->rnn().lstm_cell_bwd(g_gates.data(), gcp, g_tc.data(), g_dh.data(), g_dc.data(), g_dg.data(), B, H);
    cpu_->rnn().lstm_cell_bwd(gates.data(), cp, tc.data(), dh.data(), dc.data(), dg.data(), B, H);
    EXPECT_TRUE(close(g_dg.download(), dg, kAtol, kRtol)) << "dgates, zero_state=" << zero_state;
    EXPECT_TRUE(close(g_dc.download(), dc, kAtol, kRtol)) << "dc_prev, zero_state=" << zero_state;
  }
}

TEST_F(GpuParity, TanhRnnCellAndRowNorms) {
  const int B = 9, H = 130;
  auto pre = randn(size_t(B) * H, 2.0), dh = randn(size_t(B) * H);
  auto g_pre = on_gpu(pre), g_dh = on_gpu(dh);
  Buffer<float> g_h(*gpu_, size_t(B) * H), g_dp(*gpu_, size_t(B) * H), g_n(*gpu_, B);
  std::vector<float> h(size_t(B) * H), dp(size_t(B) * H), n(B);
  gpu_->rnn().rnn_tanh_cell_fwd(g_pre.data(), g_h.data(), B, H);
  cpu_->rnn().rnn_tanh_cell_fwd(pre.data(), h.data(), B, H);
  EXPECT_TRUE(close(g_h.download(), h, kAtol, kRtol));
  gpu_->rnn().rnn_tanh_cell_bwd(g_h.data(), g_dh.data(), g_dp.data(), B, H);
  cpu_->rnn().rnn_tanh_cell_bwd(h.data(), dh.data(), dp.data(), B, H);
  EXPECT_TRUE(close(g_dp.download(), dp, kAtol, kRtol));
  // Aliasing allowed by the interface: pre and h the same buffer.
  gpu_->rnn().rnn_tanh_cell_fwd(g_pre.data(), g_pre.data(), B, H);
  EXPECT_TRUE(close(g_pre.download(), h, kAtol, kRtol)) << "in place";
  gpu_->rnn().row_norms(g_dh.data(), g_n.data(), B, H);
  cpu_->rnn().row_norms(dh.data(), n.data(), B, H);
  EXPECT_TRUE(close(g_n.download(), n, 0, 1e-6)) << "row norms (double accumulation on both)";
}

}  // namespace
}  // namespace udlab::gpu_test

namespace udlab::gpu_test {
namespace {

// Whole-layer recurrences: cuBLAS h W_hh^T + cell kernel per step against the CPU's blocked loop.
// Errors compound over T steps through W_hh, hence looser tolerances than the single cell.
TEST_F(GpuParity, LstmSequenceForwardBackward) {
  const int T = 12, B = 5, H = 24, G = 4 * H;
  auto pre = randn(size_t(T) * B * G), w = randn(size_t(G) * H, 0.2), dh = randn(size_t(T) * B * H);
  auto g_pre = on_gpu(pre), g_w = on_gpu(w), g_dh = on_gpu(dh);
  Buffer<float> g_h(*gpu_, size_t(T) * B * H), g_c(*gpu_, size_t(T) * B * H), g_tc(*gpu_, size_t(T) * B * H),
      g_dpre(*gpu_, size_t(T) * B * G), g_dc(*gpu_, size_t(B) * H);
  std::vector<float> h(size_t(T) * B * H), c(h.size()), tc(h.size()), dpre(size_t(T) * B * G), dc(size_t(B) * H);
  gpu_->rnn().lstm_seq_fwd(g_pre.data(), g_w.data(), g_h.data(), g_c.data(), g_tc.data(), T, B, H);
  cpu_->rnn().lstm_seq_fwd(pre.data(), w.data(), h.data(), c.data(), tc.data(), T, B, H);
  EXPECT_TRUE(close(g_pre.download(), pre, 1e-5, 1e-4)) << "gate activations";
  EXPECT_TRUE(close(g_h.download(), h, 1e-5, 1e-4)) << "h";
  EXPECT_TRUE(close(g_c.download(), c, 1e-5, 1e-4)) << "c";
  gpu_->rnn().lstm_seq_bwd(g_pre.data(), g_w.data(), g_c.data(), g_tc.data(), g_dh.data(), g_dpre.data(), g_dc.data(),
                           T, B, H);
  cpu_->rnn().lstm_seq_bwd(pre.data(), w.data(), c.data(), tc.data(), dh.data(), dpre.data(), dc.data(), T, B, H);
  EXPECT_TRUE(close(g_dh.download(), dh, 1e-4, 1e-4)) << "dh over all paths";
  EXPECT_TRUE(close(g_dpre.download(), dpre, 1e-4, 1e-4)) << "dpre";
}

TEST_F(GpuParity, TanhRnnSequenceForwardBackward) {
  const int T = 15, B = 4, H = 33;
  auto pre = randn(size_t(T) * B * H), w = randn(size_t(H) * H, 0.15), dh = randn(size_t(T) * B * H);
  auto g_pre = on_gpu(pre), g_w = on_gpu(w), g_dh = on_gpu(dh);
  Buffer<float> g_h(*gpu_, size_t(T) * B * H), g_dpre(*gpu_, size_t(T) * B * H);
  std::vector<float> h(size_t(T) * B * H), dpre(h.size());
  gpu_->rnn().rnn_tanh_seq_fwd(g_pre.data(), g_w.data(), g_h.data(), T, B, H);
  cpu_->rnn().rnn_tanh_seq_fwd(pre.data(), w.data(), h.data(), T, B, H);
  EXPECT_TRUE(close(g_h.download(), h, 1e-5, 1e-4)) << "h";
  gpu_->rnn().rnn_tanh_seq_bwd(g_h.data(), g_w.data(), g_dh.data(), g_dpre.data(), T, B, H);
  cpu_->rnn().rnn_tanh_seq_bwd(h.data(), w.data(), dh.data(), dpre.data(), T, B, H);
  EXPECT_TRUE(close(g_dh.download(), dh, 1e-4, 1e-4)) << "dh over all paths";
  EXPECT_TRUE(close(g_dpre.download(), dpre, 1e-4, 1e-4)) << "dpre";
}

}  // namespace
}  // namespace udlab::gpu_test
