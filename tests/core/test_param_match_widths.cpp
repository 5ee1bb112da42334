// match_params with widths that are only sometimes valid (a transformer's hidden must be a multiple of
// heads): the chosen width must be the closest valid one, also when small widths are invalid.
#include <gtest/gtest.h>

#include <cmath>

#include "core/models/param_count.h"

using namespace udlab;

namespace {
void expect_closest(const ModelConfig& c, int V, size_t budget) {
  MatchResult m = match_params(c, V, budget, 1e9);
  EXPECT_EQ(m.cfg.hidden % c.heads, 0);
  EXPECT_EQ(m.params, count_params(m.cfg, V));
  const double err = std::abs(double(m.params) - double(budget));
  for (int h = c.heads; h <= 4 * m.cfg.hidden + 64; h += c.heads) {
    auto o = c;
    o.hidden = h;
    EXPECT_GE(std::abs(double(count_params(o, V)) - double(budget)), err) << "hidden " << h << " is closer";
  }
}
}  // namespace

TEST(ParamMatchWidths, TransformerLandsOnTheClosestMultipleOfHeads) {
  ModelConfig c;
  c.model = "transformer";
  c.layers = 2;
  c.max_len = 32;
  for (int heads : {4, 8})
    for (size_t budget : {20000u, 200000u, 1000000u}) {
      c.heads = heads;
      expect_closest(c, 60, budget);
    }
}
