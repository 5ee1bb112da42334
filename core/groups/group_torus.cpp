// The torus U(1)^d: diagonal unitaries, realified (n = 2d) as d 2×2 rotation blocks on the diagonal.
// 𝔤 = i·diag(ℝ^d): Π keeps θ_j = Im X_jj = (x_{2j+1,2j} − x_{2j,2j+1})/2 and zeroes everything else.
// exp and its adjoint take the closed 2×2 rotation form (spec.block = 2).
#include <cmath>

#include "core/groups/group_def.h"
#include "core/groups/realify.h"
#include "core/util/error.h"

namespace udlab {
namespace {

struct TorusGroup {
  static GroupSpec make(int d, int) {
    if (d < 1) throw Error("group torus: d must be at least 1 (got " + std::to_string(d) + ")");
    return GroupSpec{GroupKind::Torus, d, 2 * d, 2, d, true};
  }
  template <class S>
  static void project(const GroupSpec& g, const S* X, S* Y) {
    const int n = 2 * g.d;
    for (int j = 0; j < g.d; ++j) {
      S theta = realify::get(X, n, j, j).imag();
      for (int c = 0; c < n; ++c) {  // zero rows 2j, 2j+1 except the diagonal block (alias-safe:
        if (c / 2 == j) continue;    // only entries of this row pair are written)
        Y[size_t(2 * j) * n + c] = S(0);
        Y[size_t(2 * j + 1) * n + c] = S(0);
      }
      realify::put(Y, n, j, j, std::complex<S>(S(0), theta));
    }
  }
  template <class S>
  static void fix(const GroupSpec& g, S* h) {
    const int n = 2 * g.d;
    for (int j = 0; j < g.d; ++j) {
      auto z = realify::get(h, n, j, j);
      S r = std::abs(z);
      for (int c = 0; c < n; ++c) {
        if (c / 2 == j) continue;
        h[size_t(2 * j) * n + c] = S(0);
        h[size_t(2 * j + 1) * n + c] = S(0);
      }
      realify::put(h, n, j, j, r > S(0) ? z / r : std::complex<S>(1, 0));
    }
  }
};

UDLAB_REGISTER_GROUP(TorusGroup, GroupKind::Torus, "torus", "U(1)^d, diagonal unitaries (d phases; stored as 2x2 rotation blocks)", false);

}  // namespace
}  // namespace udlab
