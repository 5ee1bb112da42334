// GroupOps<float> on CUDA: batched matmul runs in cuBLAS, the rest is staged through the host CPU twin
// (gpu/cuda_group_ops.cpp). These tests check the GPU matmul against the CPU and that staging moves the
// right number of bytes each way. Skips without a CUDA device. NOT YET RUN ON A GPU (see docs/cuda.md).
#include "core/groups/group.h"
#include "gpu_parity.h"

namespace udlab::gpu_test {
namespace {

TEST_F(GpuParity, GroupBatchedMatmulWithSharedOperand) {
  const int n = 6, count = 9;
  const size_t nn = size_t(n) * n;
  auto A = randn(nn * count), U = randn(nn), C = randn(nn * count);
  auto gA = on_gpu(A), gU = on_gpu(U), gC = on_gpu(C);
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      // U shared by every k (stride 0), as the group-rnn's U h_t.
      gpu_->group().matmul(n, count, ta, tb, 0.5f, gU.data(), 0, gA.data(), nn, 1.5f, gC.data());
      cpu_->group().matmul(n, count, ta, tb, 0.5f, U.data(), 0, A.data(), nn, 1.5f, C.data());
      EXPECT_TRUE(close(gC.download(), C, 1e-5, 1e-5)) << "ta=" << ta << " tb=" << tb;
    }
}

TEST_F(GpuParity, GroupStagedOpsMatchTheCpuTwin) {
  for (const char* name : {"so", "u"}) {
    Group grp = make_group(name, 4);
    const GroupSpec& g = grp.spec();
    const int count = 5;
    const size_t len = size_t(g.n) * g.n * count;
    auto raw = randn(len, 0.5), ebar = randn(len);
    auto graw = on_gpu(raw), gebar = on_gpu(ebar);
    Buffer<float> gX(*gpu_, len), gE(*gpu_, len), gXb(*gpu_, len), gE2(*gpu_, len);
    std::vector<float> X(len), E(len), Xb(len), E2(len);
    gpu_->group().project(g, graw.data(), gX.data(), count);
    cpu_->group().project(g, raw.data(), X.data(), count);
    EXPECT_TRUE(close(gX.download(), X, 0, 0)) << name << " project: the same CPU code";
    gpu_->group().exp(g, gX.data(), gE.data(), count);
    cpu_->group().exp(g, X.data(), E.data(), count);
    EXPECT_TRUE(close(gE.download(), E, 0, 0)) << name << " exp";
    gpu_->group().exp_adjoint(g, gX.data(), gebar.data(), gXb.data(), gE2.data(), count);
    cpu_->group().exp_adjoint(g, X.data(), ebar.data(), Xb.data(), E2.data(), count);
    EXPECT_TRUE(close(gXb.download(), Xb, 0, 0)) << name << " exp_adjoint";
    EXPECT_TRUE(close(gE2.download(), E2, 0, 0)) << name << " exp_adjoint E";
    std::vector<double> ge(count), ce(count);
    gpu_->group().membership_error(g, gE.data(), count, ge.data());
    cpu_->group().membership_error(g, E.data(), count, ce.data());
    EXPECT_EQ(ge, ce) << name;
  }
}

}  // namespace
}  // namespace udlab::gpu_test
