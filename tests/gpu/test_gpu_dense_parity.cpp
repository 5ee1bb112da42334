// DenseOps<float>: CUDA against the CPU reference, op by op, with float32 tolerances stated per op.
// Skips (with the reason) when no CUDA device is present. NOT YET RUN ON A GPU (see docs/cuda.md).
#include <limits>

#include "gpu_parity.h"

namespace udlab::gpu_test {
namespace {

TEST_F(GpuParity, GemmAllTransposesAndStrides) {
  const int M = 37, N = 53, K = 71, pad = 3;
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      // Stored shapes (before op()) with padded row strides, to catch a swapped leading dimension.
      int ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
      int lda = ac + pad, ldb = bc + pad, ldc = N + pad;
      auto A = randn(size_t(ar) * lda), B = randn(size_t(br) * ldb), C = randn(size_t(M) * ldc);
      auto gA = on_gpu(A), gB = on_gpu(B), gC = on_gpu(C);
      auto cC = C;
      gpu_->dense().gemm(ta, tb, M, N, K, 0.7f, gA.data(), lda, gB.data(), ldb, 0.3f, gC.data(), ldc);
      cpu_->dense().gemm(ta, tb, M, N, K, 0.7f, A.data(), lda, B.data(), ldb, 0.3f, cC.data(), ldc);
      // fp32 dot products of length K=71 over unit normals: error ~ sqrt(K) * 6e-8 * |terms|.
      EXPECT_TRUE(close(gC.download(), cC, 2e-5, 1e-5)) << "ta=" << ta << " tb=" << tb;
    }
}

TEST_F(GpuParity, GemmWithZeroKScalesOrClearsC) {
  std::vector<float> C(12, std::numeric_limits<float>::quiet_NaN());
  auto gC = on_gpu(C);
  gpu_->dense().gemm(false, false, 3, 4, 0, 1.0f, nullptr, 1, nullptr, 4, 0.0f, gC.data(), 4);
  for (float c : gC.download()) EXPECT_EQ(c, 0.0f);
}

TEST_F(GpuParity, RowBiasForwardAndGrad) {
  const int M = 1000, N = 77;  // M > one column-sum chunk, N not a multiple of the block
  auto Y = randn(size_t(M) * N), b = randn(N), dY = randn(size_t(M) * N), db = randn(N);
  auto gY = on_gpu(Y), gb = on_gpu(b), gdY = on_gpu(dY), gdb = on_gpu(db);
  gpu_->dense().add_row_bias(gY.data(), gb.data(), M, N);
  cpu_->dense().add_row_bias(Y.data(), b.data(), M, N);
  EXPECT_TRUE(close(gY.download(), Y, 0, 0));  // one float add per element: exact
  gpu_->dense().row_bias_grad(gdY.data(), gdb.data(), M, N);
  cpu_->dense().row_bias_grad(dY.data(), db.data(), M, N);
  // Sums of 1000 unit normals in a different order: |sum| ~ 30, float error ~ 1000 * 6e-8 * 30.
  EXPECT_TRUE(close(gdb.download(), db, 2e-4, 1e-5));
}

TEST_F(GpuParity, EmbeddingForwardAndAtomicBackward) {
  const int V = 50, E = 33, M = 700;
  auto table = randn(size_t(V) * E), dout = randn(size_t(M) * E), dtable = randn(size_t(V) * E);
  std::vector<int32_t> idx(M);
  for (auto& i : idx) i = int32_t(rng_.below(V));
  auto gt = on_gpu(table), gd = on_gpu(dout), gdt = on_gpu(dtable);
  auto gi = on_gpu(idx);
  Buffer<float> gout(*gpu_, size_t(M) * E);
  std::vector<float> out(size_t(M) * E);
  gpu_->dense().embedding_fwd(gt.data(), gi.data(), gout.data(), M, E);
  cpu_->dense().embedding_fwd(table.data(), idx.data(), out.data(), M, E);
  EXPECT_TRUE(close(gout.download(), out, 0, 0));  // a gather: exact
  gpu_->dense().embedding_bwd(gd.data(), gi.data(), gdt.data(), M, E);
  cpu_->dense().embedding_bwd(dout.data(), idx.data(), dtable.data(), M, E);
  // ~14 rows per index summed by atomics in any order.
  EXPECT_TRUE(close(gdt.download(), dtable, 1e-5, 1e-5));
}

TEST_F(GpuParityDeterministic, EmbeddingBackwardIsBitIdenticalToCpu) {
  const int V = 20, E = 70, M = 900;
  auto dout = randn(size_t(M) * E), dtable = randn(size_t(V) * E);
  std::vector<int32_t> idx(M);
  for (auto& i : idx) i = int32_t(rng_.below(V));
  auto gd = on_gpu(dout), gdt = on_gpu(dtable);
  auto gi = on_gpu(idx);
  gpu_->dense().embedding_bwd(gd.data(), gi.data(), gdt.data(), M, E);
  cpu_->dense().embedding_bwd(dout.data(), idx.data(), dtable.data(), M, E);
  // Same rows, same order, one float add each: the deterministic kernel reproduces the CPU exactly.
  EXPECT_TRUE(close(gdt.download(), dtable, 0, 0));
}

TEST_F(GpuParity, SoftmaxCrossEntropyLossAndGradient) {
  const int M = 300, V = 517;  // V above one block of threads, not a multiple of 32
  auto logits = randn(size_t(M) * V, 3.0), w = randn(M);
  for (auto& x : w) x = std::fabs(x);
  std::vector<int32_t> y(M);
  for (auto& t : y) t = int32_t(rng_.below(V));
  auto gl = on_gpu(logits), gw = on_gpu(w);
  auto gy = on_gpu(y);
  for (bool weighted : {false, true}) {
    Buffer<float> gd(*gpu_, size_t(M) * V);
    std::vector<float> d(size_t(M) * V);
    const float* cw = weighted ? w.data() : nullptr;
    const float* gwp = weighted ? gw.data() : nullptr;
    XentResult g = gpu_->dense().softmax_xent(gl.data(), gy.data(), gwp, gd.data(), M, V, 1.0 / M);
    XentResult c = cpu_->dense().softmax_xent(logits.data(), y.data(), cw, d.data(), M, V, 1.0 / M);
    // Per-row log-sum-exp in float on the GPU vs double on the CPU: ~1e-6 relative per row.
    EXPECT_NEAR(g.loss_sum, c.loss_sum, 1e-5 * std::fabs(c.loss_sum) + 1e-5) << "weighted=" << weighted;
    EXPECT_NEAR(g.weight_sum, c.weight_sum, 1e-9 * c.weight_sum) << "weighted=" << weighted;
    EXPECT_EQ(g.correct, c.correct) << "weighted=" << weighted;
    EXPECT_TRUE(close(gd.download(), d, 1e-7, 1e-4)) << "weighted=" << weighted;
  }
  // No dlogits requested: the loss alone.
  XentResult g = gpu_->dense().softmax_xent(gl.data(), gy.data(), nullptr, nullptr, M, V, 1.0);
  XentResult c = cpu_->dense().softmax_xent(logits.data(), y.data(), nullptr, nullptr, M, V, 1.0);
  EXPECT_NEAR(g.loss_sum, c.loss_sum, 1e-5 * std::fabs(c.loss_sum));
}

TEST_F(GpuParity, SoftmaxArgmaxTiesPickTheFirstIndex) {
  // Row 0: max at 3 and 300 (first wins, target 3: correct). Row 1: all equal, target 0: correct.
  const int V = 400;
  std::vector<float> logits(2 * V, 0.0f);
  logits[3] = logits[300] = 5.0f;
  std::vector<int32_t> y{3, 0};
  auto gl = on_gpu(logits);
  auto gy = on_gpu(y);
  XentResult g = gpu_->dense().softmax_xent(gl.data(), gy.data(), nullptr, nullptr, 2, V, 1.0);
  EXPECT_EQ(g.correct, 2.0);
}

TEST_F(GpuParity, LayerNormForwardAndBackward) {
  const int M = 200, N = 300;
  auto x = randn(size_t(M) * N, 2.0), gamma = randn(N), beta = randn(N), dy = randn(size_t(M) * N);
  for (size_t i = 0; i < x.size(); ++i) x[i] += 3.0f;  // a mean offset, to exercise the two-pass variance
  auto dgamma = randn(N), dbeta = randn(N);
  auto gx = on_gpu(x), gg = on_gpu(gamma), gb = on_gpu(beta), gdy = on_gpu(dy), gdg = on_gpu(dgamma),
       gdb = on_gpu(dbeta);
  Buffer<float> gy(*gpu_, size_t(M) * N), gmean(*gpu_, M), grstd(*gpu_, M), gdx(*gpu_, size_t(M) * N);
  std::vector<float> y(size_t(M) * N), mean(M), rstd(M), dx(size_t(M) * N);
  gpu_->dense().layernorm_fwd(gx.data(), gg.data(), gb.data(), gy.data(), gmean.data(), grstd.data(), M, N, 1e-5);
  cpu_->dense().layernorm_fwd(x.data(), gamma.data(), beta.data(), y.data(), mean.data(), rstd.data(), M, N, 1e-5);
  EXPECT_TRUE(close(gmean.download(), mean, 1e-5, 1e-6));
  EXPECT_TRUE(close(grstd.download(), rstd, 0, 1e-5));
  EXPECT_TRUE(close(gy.download(), y, 1e-5, 1e-5));
  gpu_->dense().layernorm_bwd(gdy.data(), gx.data(), gg.data(), gmean.data(), grstd.data(), gdx.data(), gdg.data(),
                              gdb.data(), M, N);
  cpu_->dense().layernorm_bwd(dy.data(), x.data(), gamma.data(), mean.data(), rstd.data(), dx.data(), dgamma.data(),
                              dbeta.data(), M, N);
  EXPECT_TRUE(close(gdx.download(), dx, 1e-5, 1e-4));
  EXPECT_TRUE(close(gdg.download(), dgamma, 1e-4, 1e-5));
  EXPECT_TRUE(close(gdb.download(), dbeta, 1e-4, 1e-5));
}

TEST_F(GpuParity, Activations) {
  const size_t n = 100003;
  auto x = randn(n, 3.0), dy = randn(n);
  auto gx = on_gpu(x), gdy = on_gpu(dy);
  Buffer<float> gy(*gpu_, n);
  std::vector<float> y(n);
  // Device erff/expf/tanhf are within 2-4 ulp of the host's: 1e-6 relative plus a tiny floor near 0.
  gpu_->dense().gelu_fwd(gx.data(), gy.data(), n);
  cpu_->dense().gelu_fwd(x.data(), y.data(), n);
  EXPECT_TRUE(close(gy.download(), y, 1e-7, 1e-6)) << "gelu_fwd";
  gpu_->dense().gelu_bwd(gx.data(), gdy.data(), gy.data(), n);
  cpu_->dense().gelu_bwd(x.data(), dy.data(), y.data(), n);
  EXPECT_TRUE(close(gy.download(), y, 1e-7, 1e-6)) << "gelu_bwd";
  gpu_->dense().sigmoid_fwd(gx.data(), gy.data(), n);
  cpu_->dense().sigmoid_fwd(x.data(), y.data(), n);
  EXPECT_TRUE(close(gy.download(), y, 1e-7, 1e-6)) << "sigmoid";
  gpu_->dense().tanh_fwd(gx.data(), gy.data(), n);
  cpu_->dense().tanh_fwd(x.data(), y.data(), n);
  EXPECT_TRUE(close(gy.download(), y, 1e-7, 1e-6)) << "tanh";
}

TEST_F(GpuParity, ElementwiseArithmetic) {
  const size_t n = 70001;
  auto a = randn(n), b = randn(n), y = randn(n);
  auto ga = on_gpu(a), gb = on_gpu(b), gy = on_gpu(y);
  // FMA contraction may differ between nvcc and g++: one rounding, so 1 ulp-ish.
  gpu_->dense().axpy(0.3f, ga.data(), gy.data(), n);
  cpu_->dense().axpy(0.3f, a.data(), y.data(), n);
  EXPECT_TRUE(close(gy.download(), y, 1e-7, 2e-7)) << "axpy";
  gpu_->dense().scale(gy.data(), -1.7f, n);
  cpu_->dense().scale(y.data(), -1.7f, n);
  EXPECT_TRUE(close(gy.download(), y, 1e-7, 2e-7)) << "scale";
  gpu_->dense().mul_acc(ga.data(), gb.data(), gy.data(), n);
  cpu_->dense().mul_acc(a.data(), b.data(), y.data(), n);
  EXPECT_TRUE(close(gy.download(), y, 1e-7, 2e-7)) << "mul_acc";
  gpu_->dense().mul(ga.data(), gb.data(), gy.data(), n);
  cpu_->dense().mul(a.data(), b.data(), y.data(), n);
  EXPECT_TRUE(close(gy.download(), y, 0, 0)) << "mul";
}

TEST_F(GpuParity, SumOfSquaresAndNonFinite) {
  const size_t n = (size_t(1) << 16) * 3 + 17;  // several chunks and a ragged tail
  auto x = randn(n);
  auto gx = on_gpu(x);
  double g = gpu_->dense().sumsq(gx.data(), n), c = cpu_->dense().sumsq(x.data(), n);
  EXPECT_NEAR(g, c, 1e-10 * c);  // both accumulate in double
  EXPECT_EQ(g, gpu_->dense().sumsq(gx.data(), n)) << "sumsq must be deterministic";
  EXPECT_EQ(gpu_->dense().sumsq(gx.data(), 0), 0.0);
  EXPECT_FALSE(gpu_->dense().has_nonfinite(gx.data(), n));
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    auto y = x;
    y[n - 1] = bad;
    auto gy = on_gpu(y);
    EXPECT_TRUE(gpu_->dense().has_nonfinite(gy.data(), n));
    EXPECT_FALSE(gpu_->dense().has_nonfinite(gy.data(), n - 1));
  }
}

TEST_F(GpuParity, AdamWSeveralSteps) {
  const size_t n = 5000;
  auto p = randn(n), m = std::vector<float>(n, 0.0f), v = std::vector<float>(n, 0.0f);
  auto gp = on_gpu(p), gm = on_gpu(m), gv = on_gpu(v);
  for (int t = 1; t <= 5; ++t) {
    auto g = randn(n);
    auto gg = on_gpu(g);
    double bc1 = 1 - std::pow(0.9, t), bc2 = 1 - std::pow(0.999, t);
    gpu_->dense().adamw(gp.data(), gg.data(), gm.data(), gv.data(), n, 1e-2, 0.9, 0.999, 1e-8, 0.1, bc1, bc2);
    cpu_->dense().adamw(p.data(), g.data(), m.data(), v.data(), n, 1e-2, 0.9, 0.999, 1e-8, 0.1, bc1, bc2);
  }
  EXPECT_TRUE(close(gp.download(), p, 1e-6, 1e-6));
  EXPECT_TRUE(close(gm.download(), m, 1e-6, 1e-5));
  EXPECT_TRUE(close(gv.download(), v, 1e-7, 1e-5));
}

TEST_F(GpuParity, DeviceMemoryRoundTripAndClearErrors) {
  auto h = randn(1000);
  Buffer<float> a(*gpu_, 1000), b(*gpu_, 1000);
  for (float z : a.download()) ASSERT_EQ(z, 0.0f) << "alloc_bytes must zero-fill";
  a.upload(h);
  gpu_->copy_bytes(b.data(), a.data(), 1000 * sizeof(float));
  EXPECT_EQ(b.download(), h);
  // Overlapping copy keeps memmove semantics.
  gpu_->copy_bytes(a.data() + 1, a.data(), 999 * sizeof(float));
  auto shifted = a.download();
  EXPECT_EQ(shifted[1], h[0]);
  EXPECT_EQ(shifted[999], h[998]);
  // An impossible allocation is a udlab::Error naming the GPU, not an abort.
  try {
    gpu_->alloc_bytes(size_t(1) << 52);
    FAIL() << "a 4 PiB allocation succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("out of GPU memory"), std::string::npos) << e.what();
  }
}

TEST_F(GpuParity, EveryFamilyIsPresent) {
  // All five families have a CUDA implementation. A missing one
  // would throw "op family 'x' is not supported on backend 'cuda'".
  EXPECT_NO_THROW(gpu_->dense());
  EXPECT_NO_THROW(gpu_->rnn());
  EXPECT_NO_THROW(gpu_->attention());
  EXPECT_NO_THROW(gpu_->lru());
  EXPECT_NO_THROW(gpu_->group());
}

}  // namespace
}  // namespace udlab::gpu_test
