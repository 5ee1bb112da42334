// group-transformer: gradient checks in double for every group, with and without mixing; the final
// g_i lie in the group; names, causality and input validation.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/model_registry.h"
#include "support/gradcheck.h"

using namespace udlab;
namespace ut = udlab::testing;

namespace {

struct Case {
  std::string group;
  int d;
};
[[maybe_unused]] void PrintTo(const Case& c, std::ostream* os) { *os << c.group << " d=" << c.d; }
// Tiny sizes: n = d for real groups, n = 2d for complex ones (realified).
const Case kCases[] = {{"o", 3}, {"so", 3}, {"u", 2}, {"su", 2}, {"torus", 3}, {"blockdiag:2", 4}, {"sp", 2}};

ModelConfig tiny(const Case& c, bool mixing) {
  ModelConfig m;
  m.model = "group-transformer";
  m.group = c.group;
  m.d = c.d;
  m.heads = 2;
  m.layers = 2;
  m.max_len = 5;
  m.mixing = mixing;
  return m;
}

template <class S>
std::unique_ptr<Model<S>> make(const ModelConfig& c, int V, Backend<S>& be) {
  auto& info = ModelRegistry::instance().get("group-transformer");
  if constexpr (std::is_same_v<S, double>) return info.make_double(c, V, be);
  else return info.make_float(c, V, be);
}

// Larger-than-init weights so that attention is far from uniform and every exp is far from I.
void perturb(Model<double>& m, uint64_t seed) {
  Rng r(seed);
  auto v = m.params().download_values();
  for (const auto& sp : m.params().specs()) {
    double s = sp.name.find("alpha") != std::string::npos ? 0.3 : 0.2;
    for (size_t i = 0; i < sp.numel; ++i) v[sp.offset + i] += s * r.normal();
  }
  m.params().upload_values(v);
}

}  // namespace

TEST(GroupTransformer, RegisteredWithDAsMatchField) {
  EXPECT_EQ(ModelRegistry::instance().get("group-transformer").match_field, "d");
}

class GroupTransformerGroups : public ::testing::TestWithParam<std::tuple<Case, bool>> {};

TEST_P(GroupTransformerGroups, GradientsMatchFiniteDifferences) {
  auto [c, mixing] = GetParam();
  CpuBackend<double> be(1);
  const int V = 5;
  auto m = make<double>(tiny(c, mixing), V, be);
  m->params().allocate(be);
  Rng rng(17);
  m->init(rng);
  perturb(*m, 18);
  auto batch = ut::random_batch(2, 4, V, 19);
  ut::expect_model_gradcheck(*m, batch, 1e-6, 12);
}

TEST_P(GroupTransformerGroups, FinalElementsLieInTheGroup) {
  auto [c, mixing] = GetParam();
  const int V = 6;
  {
    CpuBackend<double> be(1);
    auto m = make<double>(tiny(c, mixing), V, be);
    m->params().allocate(be);
    Rng rng(3);
    m->init(rng);
    perturb(*m, 4);
    Telemetry tel;
    m->forward_backward(ut::random_batch(3, 5, V, 5), false, &tel);
    const auto& err = tel.profiles.at("membership_error");
    ASSERT_EQ(err.size(), 5u);
    for (double e : err) EXPECT_LT(e, 1e-12) << c.group;
    for (double s : tel.profiles.at("state_norm")) EXPECT_NEAR(s, std::sqrt(double(c.d)), 1e-12);
    const auto& ev = tel.eigenvalues.at("g_last");
    ASSERT_EQ(int(ev.size()), c.d);
    for (auto z : ev) EXPECT_NEAR(std::abs(z), 1.0, 1e-10);  // unitary: eigenvalues on the unit circle
  }
  {
    CpuBackend<float> be(2);
    auto m = make<float>(tiny(c, mixing), V, be);
    m->params().allocate(be);
    Rng rng(3);
    m->init(rng);
    Telemetry tel;
    m->forward_backward(ut::random_batch(3, 5, V, 5), false, &tel);
    for (double e : tel.profiles.at("membership_error")) EXPECT_LT(e, 1e-5) << c.group;
  }
}

INSTANTIATE_TEST_SUITE_P(AllGroups, GroupTransformerGroups,
                         ::testing::Combine(::testing::ValuesIn(kCases), ::testing::Bool()),
                         [](const auto& info) {
                           std::string g = std::get<0>(info.param).group;
                           for (auto& ch : g)
                             if (ch == ':') ch = '_';
                           return g + (std::get<1>(info.param) ? "_mixing" : "_plain");
                         });

TEST(GroupTransformer, TensorNamesAndShapes) {
  CpuBackend<double> be(1);
  auto m = make<double>(tiny({"u", 2}, true), 7, be);
  auto& ps = m->params();
  const int n2 = 16;  // U(2) realified: n = 4
  EXPECT_EQ(ps.specs()[ps.index("embedding.weight")].shape, (std::vector<int64_t>{7, n2}));
  EXPECT_EQ(ps.specs()[ps.index("pos_embedding.weight")].shape, (std::vector<int64_t>{5, n2}));
  EXPECT_EQ(ps.specs()[ps.index("layers.1.attn.qkv.weight")].shape, (std::vector<int64_t>{3 * 2 * n2, n2}));
  EXPECT_EQ(ps.specs()[ps.index("layers.0.attn.alpha")].shape, (std::vector<int64_t>{1}));
  EXPECT_EQ(ps.specs()[ps.index("layers.0.mlp.fc.weight")].shape, (std::vector<int64_t>{4 * n2, n2}));
  EXPECT_EQ(ps.specs()[ps.index("head.weight")].shape, (std::vector<int64_t>{7, n2}));
  EXPECT_GE(ps.index("head.bias"), 0);
  // 2Vn^2 + V + Pn^2 + L((3H + 8) n^4 + 5 n^2) + L (alpha), with V = 7, P = 5, L = 2, H = 2.
  EXPECT_EQ(ps.numel(), size_t(2 * 7 * n2 + 7 + 5 * n2 + 2 * ((3 * 2 + 8) * n2 * n2 + 5 * n2) + 2));
  auto plain = make<double>(tiny({"u", 2}, false), 7, be);
  EXPECT_LT(plain->params().index("layers.0.attn.alpha"), 0);
}

TEST(GroupTransformer, PredictNextAgreesWithTheSequenceLoss) {
  CpuBackend<double> be(1);
  const int V = 7;
  auto m = make<double>(tiny({"o", 4}, true), V, be);
  m->params().allocate(be);
  Rng rng(7);
  m->init(rng);
  perturb(*m, 8);
  auto batch = ut::random_batch(1, 5, V, 9);
  double loss = m->forward_backward(batch, false, nullptr).loss_sum;
  double sum = 0;
  for (int t = 0; t < 5; ++t) {
    std::vector<int32_t> ctx(batch.tokens.begin(), batch.tokens.begin() + t + 1);
    auto z = m->predict_next(ctx);
    double mx = *std::max_element(z.begin(), z.end()), s = 0;
    for (double v : z) s += std::exp(v - mx);
    sum += std::log(s) + mx - z[batch.tokens[t + 1]];
  }
  EXPECT_NEAR(loss, sum, 1e-10);
}

TEST(GroupTransformer, BadInputIsAClearError) {
  CpuBackend<double> be(1);
  auto c = tiny({"blockdiag:2", 3}, false);  // 2 does not divide 3
  EXPECT_THROW(make<double>(c, 5, be), Error);
  c = tiny({"nope", 3}, false);
  EXPECT_THROW(make<double>(c, 5, be), Error);
  c = tiny({"o", 3}, false);
  c.reflect = true;
  EXPECT_THROW(make<double>(c, 5, be), Error);
  auto m = make<double>(tiny({"o", 3}, false), 5, be);
  m->params().allocate(be);
  Rng rng(1);
  m->init(rng);
  EXPECT_THROW(m->forward_backward(ut::random_batch(1, 6, 5, 1), false, nullptr), Error);  // T > max_len
}

TEST(GroupTransformer, FloatSgdReducesTheLoss) {
  CpuBackend<float> be(2);
  const int V = 6;
  auto cfg = tiny({"o", 4}, true);
  auto m = make<float>(cfg, V, be);
  m->params().allocate(be);
  Rng rng(3);
  m->init(rng);
  auto batch = ut::random_batch(4, 5, V, 10);
  double first = 0, last = 0;
  for (int it = 0; it < 80; ++it) {
    double l = m->forward_backward(batch, true, nullptr).mean_loss();
    if (it == 0) first = l;
    last = l;
    be.dense().axpy(-0.5f, m->params().grads(), m->params().values(), m->params().numel());
  }
  EXPECT_LT(last, 0.6 * first) << "first " << first << " last " << last;
}
