// Random test data shared by the op and kernel tests: n normal draws with standard deviation sd.
#pragma once
#include <cstddef>
#include <vector>

#include "core/util/rng.h"

namespace udlab::testing {

template <class S = double>
std::vector<S> randn(size_t n, Rng& r, double sd = 1.0) {
  std::vector<S> v(n);
  for (auto& x : v) x = S(sd * r.normal());
  return v;
}

}  // namespace udlab::testing
