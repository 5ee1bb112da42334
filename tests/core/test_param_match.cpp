// Parameter matching: the chosen width is the closest one, and invalid widths are skipped.
#include <gtest/gtest.h>

#include "core/models/model_registry.h"
#include "core/models/param_match.h"

using namespace udlab;

TEST(ParamMatch, TransformerLandsOnTheClosestValidWidth) {
  ModelConfig c;
  c.model = "transformer";
  c.heads = 4;
  c.layers = 2;
  c.max_len = 64;
  const int V = 65;
  const size_t budget = 200000;
  auto m = match_params(c, V, budget);
  EXPECT_EQ(m.field, "hidden");
  EXPECT_EQ(m.value % 4, 0);
  EXPECT_EQ(m.params, count_params(m.config, V));
  EXPECT_EQ(m.within(0.02), std::abs(m.rel_error) <= 0.02);
  // No other valid width is closer.
  for (int h : {m.value - 4, m.value + 4}) {
    auto o = c;
    o.hidden = h;
    EXPECT_GE(std::abs(double(count_params(o, V)) - double(budget)), std::abs(double(m.params) - double(budget)));
  }
}

TEST(ParamMatch, BadRequestsAreErrors) {
  ModelConfig c;
  c.model = "transformer";
  EXPECT_THROW(match_params(c, 10, 0), Error);
  c.model = "no-such-model";
  EXPECT_THROW(match_params(c, 10, 1000), Error);
}
