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
