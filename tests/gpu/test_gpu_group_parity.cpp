// GroupOps<float> on CUDA (gpu/cuda_group_ops.cpp, kernels/group*.cu) against the CPU twin, op by op,
// for every group of core/groups and for the kernel paths: 2×2 rotation blocks (torus, blockdiag:2),
// shared-memory blocks (n ≤ 64), global-workspace blocks (n > the device's shared-memory limit, e.g.
// O(87)), exp with and without squarings. Skips without a CUDA device. NOT YET RUN ON A GPU (docs/cuda.md).
#include <algorithm>

#include "core/groups/group.h"
#include "gpu_parity.h"

namespace udlab::gpu_test {
namespace {

struct Case {
  const char* group;
  int d;
};
// Every group at a small size, then the sizes that pick other kernel paths.
const Case kCases[] = {{"o", 5},  {"so", 6},  {"u", 3},  {"su", 3},  {"torus", 4}, {"blockdiag:3", 9},
                       {"blockdiag:2", 6}, {"sp", 4}, {"o", 64}, {"u", 32}, {"o", 87}};

void PrintTo(const Case& c, std::ostream* os) { *os << c.group << " d=" << c.d; }

class GpuGroupParity : public GpuParity, public ::testing::WithParamInterface<Case> {
 protected:
  Group grp() const { return make_group(GetParam().group, GetParam().d); }
  // `count` projected random generators of Frobenius norm about `scale`·√dim.
  std::vector<float> generators(const GroupSpec& g, int count, double scale) {
    auto raw = randn(size_t(g.n) * g.n * count, scale);
    std::vector<float> X(raw.size());
    cpu_->group().project(g, raw.data(), X.data(), count);
    return X;
  }
};

std::string case_name(const ::testing::TestParamInfo<Case>& i) {
  std::string s = std::string(i.param.group) + "_" + std::to_string(i.param.d);
  std::replace(s.begin(), s.end(), ':', '_');
  return s;
}

TEST_P(GpuGroupParity, ProjectInPlaceAndOutOfPlace) {
  const GroupSpec g = grp().spec();
  const int count = 7;
  auto raw = randn(size_t(g.n) * g.n * count);
  std::vector<float> Y(raw.size());
  cpu_->group().project(g, raw.data(), Y.data(), count);
  auto gX = on_gpu(raw);
  Buffer<float> gY(*gpu_, raw.size());
  gpu_->group().project(g, gX.data(), gY.data(), count);
  EXPECT_TRUE(close(gY.download(), Y, 1e-6, 1e-6)) << "out of place";
  gpu_->group().project(g, gX.data(), gX.data(), count);
  EXPECT_TRUE(close(gX.download(), Y, 1e-6, 1e-6)) << "in place";
}

TEST_P(GpuGroupParity, ExpAndItsAdjointWithAndWithoutSquarings) {
  const GroupSpec g = grp().spec();
  const int count = 6;
  for (double scale : {0.05, 1.5}) {  // ‖X‖₁ below and above the degree-16 threshold
    SCOPED_TRACE("scale " + std::to_string(scale));
    auto X = generators(g, count, scale);
    auto Ebar = randn(X.size());
    std::vector<float> E(X.size()), Xb(X.size()), E2(X.size());
    cpu_->group().exp(g, X.data(), E.data(), count);
    cpu_->group().exp_adjoint(g, X.data(), Ebar.data(), Xb.data(), E2.data(), count);
    auto gX = on_gpu(X), gEb = on_gpu(Ebar);
    Buffer<float> gE(*gpu_, X.size()), gXb(*gpu_, X.size()), gE2(*gpu_, X.size());
    gpu_->group().exp(g, gX.data(), gE.data(), count);
    gpu_->group().exp_adjoint(g, gX.data(), gEb.data(), gXb.data(), gE2.data(), count);
    EXPECT_TRUE(close(gE.download(), E, 2e-5, 2e-5)) << "exp";
    EXPECT_TRUE(close(gE2.download(), E2, 2e-5, 2e-5)) << "exp from exp_adjoint";
    EXPECT_TRUE(close(gXb.download(), Xb, 1e-4, 1e-4)) << "exp_adjoint";
    gpu_->group().exp_adjoint(g, gX.data(), gEb.data(), gXb.data(), nullptr, count);  // E optional
    EXPECT_TRUE(close(gXb.download(), Xb, 1e-4, 1e-4)) << "exp_adjoint without E";
  }
}

TEST_P(GpuGroupParity, MembershipAndReorthogonalisation) {
  const GroupSpec g = grp().spec();
  const int count = 5;
  auto X = generators(g, count, 0.3);
  std::vector<float> E(X.size());
  cpu_->group().exp(g, X.data(), E.data(), count);
  for (size_t i = 0; i < E.size(); i += 3) E[i] *= 1.001f;  // push some states off the group
  auto gE = on_gpu(E);
  std::vector<double> ge(count), ce(count);
  gpu_->group().membership_error(g, gE.data(), count, ge.data());
  cpu_->group().membership_error(g, E.data(), count, ce.data());
  for (int k = 0; k < count; ++k) EXPECT_NEAR(ge[k], ce[k], 1e-9 + 1e-9 * ce[k]) << "matrix " << k;
  double gmax = 0, cmax = 0;
  int gf = gpu_->group().reorthogonalise(g, gE.data(), count, 1e-4, &gmax);
  int cf = cpu_->group().reorthogonalise(g, E.data(), count, 1e-4, &cmax);
  EXPECT_EQ(gf, cf);
  EXPECT_NEAR(gmax, cmax, 1e-9 + 1e-9 * cmax);
  EXPECT_TRUE(close(gE.download(), E, 1e-6, 1e-6));
}

TEST_P(GpuGroupParity, MatmulSumOverBlocks) {
  const GroupSpec g = grp().spec();
  const int n = g.n, count = 11;
  // Block-diagonal operands for block groups, as the models pass them.
  auto A = generators(g, count, 1.0), B = generators(g, count, 1.0), C = randn(size_t(n) * n);
  auto gA = on_gpu(A), gB = on_gpu(B);
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      auto Cc = C;
      auto gC = on_gpu(C);
      cpu_->group().matmul_sum(n, g.block, count, ta, tb, A.data(), B.data(), Cc.data());
      gpu_->group().matmul_sum(n, g.block, count, ta, tb, gA.data(), gB.data(), gC.data());
      EXPECT_TRUE(close(gC.download(), Cc, 1e-4, 1e-5)) << "ta=" << ta << " tb=" << tb;
    }
}

TEST_P(GpuGroupParity, RnnForwardAndBackwardWithAndWithoutMixing) {
  const Group G = grp();
  const GroupSpec g = G.spec();
  const int B = 3, T = 9;
  const size_t nn = size_t(g.n) * g.n, steps = size_t(T) * B;
  for (bool mixing : {false, true}) {
    SCOPED_TRACE(mixing ? "mixing" : "no mixing");
    auto U = randn(nn, 0.1), Xi = randn(steps * nn, 0.2), Gr = randn(steps * nn);
    std::vector<float> H((steps + B) * nn, 0.0f), Xh(steps * nn, 0.0f);
    auto h0 = G.initial_state<float>(false);
    for (int b = 0; b < B; ++b) std::copy(h0.begin(), h0.end(), H.begin() + b * nn);
    auto gU = on_gpu(U), gXi = on_gpu(Xi), gH = on_gpu(H), gXh = on_gpu(Xh), gG = on_gpu(Gr);
    auto layer = [&](const float* u, float* xi, float* xh, float* h) {
      GroupOps<float>::RnnLayer L;
      L.B = B, L.T = T, L.U = u, L.mixing = mixing, L.alpha = 0.9f, L.beta = 0.3f, L.Xi = xi, L.Xh = xh, L.H = h;
      return L;
    };
    auto Lc = layer(U.data(), Xi.data(), mixing ? Xh.data() : nullptr, H.data());
    auto Lg = layer(gU.data(), gXi.data(), mixing ? gXh.data() : nullptr, gH.data());
    std::vector<double> cm(T), gm(T);
    // Threshold 1: no state comes near it, so both sides take the same (no) corrections; the correction
    // itself is compared in MembershipAndReorthogonalisation.
    int ce = cpu_->group().rnn_forward(g, Lc, 4, 1.0, cm.data());
    int ge = gpu_->group().rnn_forward(g, Lg, 4, 1.0, gm.data());
    EXPECT_EQ(ge, ce) << "re-orthogonalisation events";
    EXPECT_TRUE(close(gXi.download(), Xi, 1e-5, 1e-5)) << "ξ";
    if (mixing) EXPECT_TRUE(close(gXh.download(), Xh, 1e-5, 1e-5)) << "ξ̂";
    EXPECT_TRUE(close(gH.download(), H, 1e-4, 1e-4)) << "states";
    for (int t = 0; t < T; ++t) EXPECT_NEAR(gm[t], cm[t], 1e-5) << "membership error at step " << t;

    std::vector<float> dA(steps * nn), hb0(size_t(B) * nn);
    Buffer<float> gdA(*gpu_, dA.size()), ghb0(*gpu_, hb0.size());
    double ca = 0, cb = 0, ga = 0, gb = 0;
    std::vector<double> cn(T), gn(T);
    cpu_->group().rnn_backward(g, Lc, Gr.data(), dA.data(), hb0.data(), &ca, &cb, cn.data());
    gpu_->group().rnn_backward(g, Lg, gG.data(), gdA.data(), ghb0.data(), &ga, &gb, gn.data());
    EXPECT_TRUE(close(gdA.download(), dA, 1e-3, 1e-3)) << "∂L/∂A";
    EXPECT_TRUE(close(ghb0.download(), hb0, 1e-3, 1e-3)) << "∂L/∂h0";
    EXPECT_NEAR(ga, ca, 1e-3 * (1 + std::fabs(ca))) << "ᾱ";
    EXPECT_NEAR(gb, cb, 1e-3 * (1 + std::fabs(cb))) << "β̄";
    for (int t = 0; t < T; ++t) EXPECT_NEAR(gn[t], cn[t], 1e-4 * (1 + cn[t])) << "gradient norm at step " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Groups, GpuGroupParity, ::testing::ValuesIn(kCases), case_name);

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

TEST_F(GpuParity, GroupAxpbyAndDot) {
  const size_t len = 40000;  // more than one fixed chunk of the dot
  auto x = randn(len), y = randn(len), out(x);
  auto gx = on_gpu(x), gy = on_gpu(y);
  Buffer<float> gout(*gpu_, len);
  cpu_->group().axpby(0.7f, x.data(), -1.3f, y.data(), out.data(), len);
  gpu_->group().axpby(0.7f, gx.data(), -1.3f, gy.data(), gout.data(), len);
  EXPECT_TRUE(close(gout.download(), out, 1e-6, 1e-6));
  gpu_->group().axpby(2.0f, gx.data(), 1.0f, gy.data(), gx.data(), len);  // out aliases x
  cpu_->group().axpby(2.0f, x.data(), 1.0f, y.data(), x.data(), len);
  EXPECT_TRUE(close(gx.download(), x, 1e-6, 1e-6));
  double c = cpu_->group().dot(x.data(), y.data(), len), gd = gpu_->group().dot(gx.data(), gy.data(), len);
  EXPECT_NEAR(gd, c, 1e-9 * (1 + std::fabs(c)));
  EXPECT_EQ(gpu_->group().dot(gx.data(), gy.data(), len), gd) << "the dot is deterministic";
}

}  // namespace
}  // namespace udlab::gpu_test
