// group-rnn recomputation (issue 15): gradients, loss and telemetry are bit-identical with and
// without --recompute-chunk, for every group family and option, with chunks that do and do not
// divide T, and with the threads the trainer uses; the workspace estimate shrinks as it should.
#include <gtest/gtest.h>

#include <cstring>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/model_registry.h"
#include "core/train/run_config.h"
#include "core/util/error.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {

struct Case {
  const char* group;
  int d;
  bool mixing, learn_h0, reflect;
  int layers;
};

ModelConfig config(const Case& c, int chunk) {
  ModelConfig m;
  m.model = "group-rnn";
  m.group = c.group;
  m.d = c.d;
  m.embed = 6;
  m.layers = c.layers;
  m.mixing = c.mixing;
  m.learn_h0 = c.learn_h0;
  m.reflect = c.reflect;
  m.recompute_chunk = chunk;
  // A threshold the float states cross within a few steps, so that re-orthogonalisations happen
  // inside chunks and must be replayed identically.
  m.reorth_threshold = 1e-7;
  return m;
}

struct Out {
  StepResult res;
  std::vector<float> grads;
  Telemetry tel;
};

Out run(const ModelConfig& mc, const Batch& batch, int threads) {
  CpuBackend<float> be(threads);
  const int V = 11;
  auto m = ModelRegistry::instance().get("group-rnn").make_float(mc, V, be);
  m->params().allocate(be);
  Rng r(5);
  m->init(r);
  // Off the special initial values (α = 1, β = 0, B = 0, P0 = 0) so every gradient term is non-trivial.
  auto v = m->params().download_values();
  Rng j(9);
  for (auto& x : v) x += float(0.2 * j.normal());
  m->params().upload_values(v);
  Out o;
  o.res = m->forward_backward(batch, true, &o.tel);
  o.grads = m->params().download_grads();
  return o;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST(GroupRnnRecompute, GradientsAreBitIdenticalForEveryGroupChunkAndThreadCount) {
  const Case cases[] = {
      {"o", 5, false, false, false, 1}, {"o", 4, true, true, true, 2}, {"so", 6, true, false, false, 1},
      {"u", 3, true, true, false, 1},   {"su", 3, false, false, false, 2}, {"torus", 4, true, false, false, 1},
      {"blockdiag:2", 6, true, true, false, 2}, {"sp", 4, false, true, false, 1},
  };
  const int T = 37;  // not a multiple of any chunk below
  const Batch batch = udlab::testing::random_batch(3, T, 11, 4);
  for (const auto& c : cases)
    for (int threads : {1, 2}) {
      SCOPED_TRACE(std::string(c.group) + " d=" + std::to_string(c.d) + (c.mixing ? " mixing" : "") +
                   (c.learn_h0 ? " learn_h0" : "") + " layers=" + std::to_string(c.layers) + " threads=" +
                   std::to_string(threads));
      const Out whole = run(config(c, 0), batch, threads);
      double gsum = 0;
      for (float g : whole.grads) gsum += std::abs(g);
      ASSERT_GT(gsum, 0.0);
      for (int chunk : {16, 32, 48}) {
        SCOPED_TRACE("chunk " + std::to_string(chunk));
        const Out part = run(config(c, chunk), batch, threads);
        EXPECT_TRUE(same_bits(whole.grads, part.grads));
        EXPECT_EQ(whole.res.loss_sum, part.res.loss_sum);
        EXPECT_EQ(whole.res.correct, part.res.correct);
        EXPECT_EQ(whole.tel.profiles, part.tel.profiles);
        EXPECT_EQ(whole.tel.scalars, part.tel.scalars);
        EXPECT_EQ(whole.tel.eigenvalues, part.tel.eigenvalues);
      }
    }
}

// udlab's variants (issue 14): the bound and the token-xi readout, whose Uᵀ·Π(ξ̄) rows cross chunk starts.
TEST(GroupRnnRecompute, VariantsAreBitIdenticalToo) {
  const Batch batch = udlab::testing::random_batch(3, 37, 11, 4);
  for (const Case& c : {Case{"o", 4, true, true, false, 2}, Case{"blockdiag:2", 6, false, true, false, 1}}) {
    SCOPED_TRACE(c.group);
    ModelConfig w = config(c, 0);
    w.readout = "token-xi";
    w.xi_bound = 1.0;
    const Out whole = run(w, batch, 2);
    for (int chunk : {16, 32}) {
      ModelConfig p = w;
      p.recompute_chunk = chunk;
      const Out part = run(p, batch, 2);
      EXPECT_TRUE(same_bits(whole.grads, part.grads)) << chunk;
      EXPECT_EQ(whole.res.loss_sum, part.res.loss_sum) << chunk;
    }
  }
}

TEST(GroupRnnRecompute, ReorthogonalisationsHappenInsideChunks) {
  // The bit-identity test above would be weaker if no state were ever corrected: check it is.
  const Case c{"o", 5, false, false, false, 1};
  const Out o = run(config(c, 16), udlab::testing::random_batch(3, 37, 11, 4), 1);
  EXPECT_GT(o.tel.scalars.at("reorth_events"), 0.0);
}

TEST(GroupRnnRecompute, WorkspaceShrinksWithChunks) {
  CpuBackend<float> be(1);
  Case c{"o", 32, false, false, false, 1};
  auto whole = ModelRegistry::instance().get("group-rnn").make_float(config(c, 0), 65, be);
  auto part = ModelRegistry::instance().get("group-rnn").make_float(config(c, 16), 65, be);
  const size_t w = whole->workspace_bytes(32, 256), p = part->workspace_bytes(32, 256);
  // Whole: about 4 T·B·n² floats (H, Xi, dA, one of the ping-pong buffers); chunked: about
  // (4 K + T/K)·B·n² plus the embedded inputs.
  EXPECT_LT(double(p), 0.15 * double(w));
  EXPECT_GT(double(w), 4.0 * 256 * 32 * 32 * 32 * sizeof(float));
}

TEST(GroupRnnRecompute, ConfigRejectsBadChunks) {
  RunConfig rc;
  rc.model.model = "group-rnn";
  rc.model.recompute_chunk = 12;
  EXPECT_THROW(validate(rc), Error);
  rc.model.recompute_chunk = 8;
  EXPECT_THROW(validate(rc), Error);
  rc.model.recompute_chunk = -16;
  EXPECT_THROW(validate(rc), Error);
  rc.model.recompute_chunk = 16;
  EXPECT_NO_THROW(validate(rc));
  rc.model.model = "lstm";
  EXPECT_THROW(validate(rc), Error);
}

TEST(GroupRnnRecompute, ChunkedGradientsMatchFiniteDifferences) {
  CpuBackend<double> be(1);
  for (const Case& c : {Case{"o", 3, true, true, true, 2}, Case{"u", 2, true, false, false, 1}}) {
    SCOPED_TRACE(c.group);
    ModelConfig mc = config(c, 16);
    mc.embed = 3;
    mc.reorth_threshold = 1e-4;
    auto m = ModelRegistry::instance().get("group-rnn").make_double(mc, 5, be);
    m->params().allocate(be);
    Rng r(3);
    m->init(r);
    auto v = m->params().download_values();
    Rng j(7);
    for (auto& x : v) x += 0.2 * j.normal();
    m->params().upload_values(v);
    udlab::testing::expect_model_gradcheck(*m, udlab::testing::random_batch(2, 35, 5, 3), 1e-6, 12);
  }
}
