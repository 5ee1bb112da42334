// AttentionOps<float>: CUDA causal attention (cuBLAS batched GEMMs + row softmax) against the CPU twin,
// on strided q/k/v slices of one fused buffer. Skips without a CUDA device.
// NOT YET RUN ON A GPU (see docs/cuda.md).
#include "gpu_parity.h"

namespace udlab::gpu_test {
namespace {

TEST_F(GpuParity, CausalAttentionForwardBackwardBothBatchings) {
  // B <= H batches over heads inside a loop over b; B > H the other way round: test both paths.
  struct Shape {
    int B, T, H, D;
  };
  for (Shape sh : {Shape{2, 33, 3, 8}, Shape{5, 17, 2, 16}}) {
    const int B = sh.B, T = sh.T, H = sh.H, D = sh.D, C = H * D, ld = 3 * C;
    const float scale = 1.0f / std::sqrt(float(D));
    auto qkv = randn(size_t(B) * T * ld), dout = randn(size_t(B) * T * C);
    auto g_qkv = on_gpu(qkv), g_dout = on_gpu(dout);
    Buffer<float> g_att(*gpu_, size_t(B) * H * T * T), g_out(*gpu_, size_t(B) * T * C),
        g_dqkv(*gpu_, size_t(B) * T * ld);
    std::vector<float> att(size_t(B) * H * T * T), out(size_t(B) * T * C), dqkv(size_t(B) * T * ld);
    gpu_->attention().causal_attention_fwd(g_qkv.data(), g_qkv.data() + C, g_qkv.data() + 2 * C, ld, g_att.data(),
                                           g_out.data(), C, B, T, H, D, scale);
    cpu_->attention().causal_attention_fwd(qkv.data(), qkv.data() + C, qkv.data() + 2 * C, ld, att.data(),
                                           out.data(), C, B, T, H, D, scale);
    // Probabilities in [0,1] from length-D dots and a float softmax.
    EXPECT_TRUE(close(g_att.download(), att, 1e-6, 1e-5)) << "att, B=" << B;
    EXPECT_TRUE(close(g_out.download(), out, 1e-5, 1e-5)) << "out, B=" << B;
    gpu_->attention().causal_attention_bwd(g_dout.data(), C, g_qkv.data(), g_qkv.data() + C, g_qkv.data() + 2 * C,
                                           ld, g_att.data(), g_dqkv.data(), g_dqkv.data() + C,
                                           g_dqkv.data() + 2 * C, ld, B, T, H, D, scale);
    cpu_->attention().causal_attention_bwd(dout.data(), C, qkv.data(), qkv.data() + C, qkv.data() + 2 * C, ld,
                                           att.data(), dqkv.data(), dqkv.data() + C, dqkv.data() + 2 * C, ld, B, T,
                                           H, D, scale);
    EXPECT_TRUE(close(g_dqkv.download(), dqkv, 2e-5, 1e-4)) << "dq/dk/dv, B=" << B;
  }
}

TEST_F(GpuParity, SumHeadsForwardBackward) {
  const int R = 41, H = 4, D = 9;
  auto x = randn(size_t(R) * H * D), dy = randn(size_t(R) * D);
  auto gx = on_gpu(x), gdy = on_gpu(dy);
  Buffer<float> gy(*gpu_, size_t(R) * D), gdx(*gpu_, size_t(R) * H * D);
  std::vector<float> y(size_t(R) * D), dx(size_t(R) * H * D);
  gpu_->attention().sum_heads_fwd(gx.data(), gy.data(), R, H, D);
  cpu_->attention().sum_heads_fwd(x.data(), y.data(), R, H, D);
  EXPECT_TRUE(close(gy.download(), y, 0, 0)) << "heads summed in the same order: exact";
  gpu_->attention().sum_heads_bwd(gdy.data(), gdx.data(), R, H, D);
  cpu_->attention().sum_heads_bwd(dy.data(), dx.data(), R, H, D);
  EXPECT_TRUE(close(gdx.download(), dx, 0, 0)) << "a broadcast copy: exact";
}

}  // namespace
}  // namespace udlab::gpu_test
