// The CPU ops' instruction-set copies (core/backend/cpu/cpu_isa.h): every kernel path this build has and
// this CPU runs is forced in turn, and must agree with the first (baseline or native) on a GEMM, on each
// model family's loss and gradients (so every op family: dense, rnn, group, lru, attention) and on
// AdamW, to float rounding. Also: UDLAB_ISA picks the path, and bad requests get a clear error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/backend/cpu/cpu_backend.h"
#include "core/backend/cpu/cpu_isa.h"
#include "core/models/model_registry.h"
#include "core/util/error.h"

using namespace udlab;

namespace {

std::vector<std::string> paths() { return cpu_kernel_paths_supported(); }

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, double(std::fabs(x)));
  return m;
}

// max |a - b| over max |a|.
double rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d = std::max(d, double(std::fabs(a[i] - b[i])));
  return d / std::max(max_abs(a), 1e-30);
}

struct Step {
  double loss = 0;
  std::vector<float> grads;
};

Step train_step(const ModelConfig& cfg, const std::string& path) {
  CpuBackend<float> be(2, path);
  EXPECT_EQ(be.kernel_path(), path);
  const int V = 40, B = 3, T = 12;
  auto model = ModelRegistry::instance().get(cfg.model).make_float(cfg, V, be);
  model->params().allocate(be);
  Rng rng(7);
  model->init(rng);
  Batch batch;
  batch.B = B;
  batch.T = T;
  Rng data(11);
  for (int i = 0; i < B * (T + 1); ++i) batch.tokens.push_back(int32_t(data.below(V)));
  model->params().zero_grads();
  Step s;
  s.loss = model->forward_backward(batch, true, nullptr).mean_loss();
  s.grads = model->params().download_grads();
  return s;
}

ModelConfig config(const std::string& model) {
  ModelConfig c;
  c.model = model;
  c.embed = 16;
  c.hidden = 32;
  c.layers = 2;
  c.heads = 4;
  c.max_len = 12;
  c.state = 24;
  if (model == "group-rnn") {
    c.group = "o";
    c.d = 16;
    c.layers = 1;
  }
  return c;
}

}  // namespace

TEST(CpuIsa, PathsBuiltAndSupported) {
  const auto built = cpu_kernel_paths_built(), sup = paths();
  ASSERT_FALSE(sup.empty());
  EXPECT_TRUE(sup.front() == "baseline" || sup.front() == "native");  // every CPU runs the first
  for (const auto& p : sup) EXPECT_NE(std::find(built.begin(), built.end(), p), built.end()) << p;
  std::string list;
  for (const auto& p : sup) list += p + " ";
  std::printf("kernel paths this build and CPU run: %s\n", list.c_str());
  unsetenv("UDLAB_ISA");
  EXPECT_EQ(CpuBackend<float>(1).kernel_path(), sup.back());  // auto: the best
}

TEST(CpuIsa, EnvironmentForcesAPathAndBadRequestsSayWhy) {
  for (const auto& p : paths()) {
    setenv("UDLAB_ISA", p.c_str(), 1);
    EXPECT_EQ(CpuBackend<float>(1).kernel_path(), p);
  }
  setenv("UDLAB_ISA", "sse9", 1);
  try {
    CpuBackend<float> be(1);
    ADD_FAILURE() << "UDLAB_ISA=sse9 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("UDLAB_ISA=sse9: unknown CPU kernel path"), std::string::npos) << e.what();
  }
  unsetenv("UDLAB_ISA");
  const auto built = cpu_kernel_paths_built();
  if (built.front() == "native") {
    EXPECT_THROW(CpuBackend<float>(1, "avx2"), Error);  // a native build has no other copy
  } else {
    EXPECT_THROW(CpuBackend<float>(1, "native"), Error);
    for (const auto& p : built)
      if (std::find(paths().begin(), paths().end(), p) == paths().end()) {
        try {
          CpuBackend<float> be(1, p);
          ADD_FAILURE() << p << " accepted on a CPU without it";
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("this CPU cannot run"), std::string::npos) << e.what();
        }
      }
  }
}

// The same GEMM on every path agrees to float rounding; and the copies really are different code
// (the AVX2 copy fuses multiply-adds, which rounds differently from baseline's SSE2 somewhere in a
// 96x160x72 product), i.e. the linker did not fold one copy into another. op(B) is 46 KB: above the
// 32 KB up to which every path hands the product to the same libxsmm kernel (cpu_dense_ops.cpp).
TEST(CpuIsa, GemmAgreesOnEveryPathAndTheCopiesDiffer) {
  const int M = 96, N = 160, K = 72;
  Rng r(3);
  std::vector<float> A(M * K), Bm(K * N);
  for (auto& x : A) x = float(r.normal());
  for (auto& x : Bm) x = float(r.normal());
  std::vector<std::vector<float>> out;
  for (const auto& p : paths()) {
    CpuBackend<float> be(1, p);
    std::vector<float> C(M * N, 0.f);
    be.dense().gemm(false, true, M, N, K, 1.f, A.data(), K, Bm.data(), K, 0.f, C.data(), N);
    out.push_back(C);
  }
  for (size_t i = 1; i < out.size(); ++i) EXPECT_LT(rel_diff(out[0], out[i]), 1e-5) << paths()[i];
  const auto sup = paths();
  auto it = std::find(sup.begin(), sup.end(), "avx2");
  if (sup.front() == "baseline" && it != sup.end())
    EXPECT_NE(out[0], out[size_t(it - sup.begin())]) << "baseline and avx2 GEMMs are bit-identical: same code?";
}

// AdamW (the one elementwise op every step runs over all parameters) from identical inputs.
TEST(CpuIsa, AdamWAgreesOnEveryPath) {
  const size_t n = 1000;
  Rng r(5);
  std::vector<float> p0(n), g(n), m0(n), v0(n);
  for (size_t i = 0; i < n; ++i) {
    p0[i] = float(r.normal());
    g[i] = float(r.normal());
    m0[i] = float(0.1 * r.normal());
    v0[i] = float(0.01 * r.uniform());
  }
  std::vector<std::vector<float>> out;
  for (const auto& path : paths()) {
    CpuBackend<float> be(1, path);
    auto p = p0, m = m0, v = v0;
    be.dense().adamw(p.data(), g.data(), m.data(), v.data(), n, 1e-2, 0.9, 0.999, 1e-8, 0.1, 0.19, 0.002);
    out.push_back(p);
    out.push_back(m);
    out.push_back(v);
  }
  for (size_t i = 3; i < out.size(); ++i) EXPECT_LT(rel_diff(out[i % 3], out[i]), 1e-6) << paths()[i / 3];
}

class CpuIsaModel : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuIsaModel, LossAndGradientsAgreeOnEveryPath) {
  const auto sup = paths();
  const ModelConfig cfg = config(GetParam());
  const Step ref = train_step(cfg, sup.front());
  ASSERT_TRUE(std::isfinite(ref.loss));
  ASSERT_GT(max_abs(ref.grads), 0);
  for (size_t i = 1; i < sup.size(); ++i) {
    const Step s = train_step(cfg, sup[i]);
    EXPECT_NEAR(s.loss, ref.loss, 1e-5 * std::fabs(ref.loss)) << sup[i];
    EXPECT_LT(rel_diff(ref.grads, s.grads), 2e-5) << sup[i];
    std::printf("%s %s vs %s: loss %.8f vs %.8f, gradients max|diff|/max|g| %.2e\n", GetParam().c_str(),
                sup[i].c_str(), sup[0].c_str(), s.loss, ref.loss, rel_diff(ref.grads, s.grads));
  }
}

INSTANTIATE_TEST_SUITE_P(Models, CpuIsaModel,
                         ::testing::Values("lstm", "rnn-tanh", "group-rnn", "lru", "transformer", "group-transformer"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });
