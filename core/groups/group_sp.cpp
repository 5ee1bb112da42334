// Compact symplectic Sp(d/2) ⊆ U(d), realified (n = 2d); d even. With J = [[0, I], [−I, 0]] (d/2 blocks),
// 𝔰𝔭 = {X ∈ 𝔲(d) : XᵀJ + JX = 0} and Π(X) = skewH((X + J X̄ J⁻¹)/2) (math-notes §1): both halves are
// commuting orthogonal projections, so the product is one. Group elements satisfy U = J Ū J⁻¹, which
// the structure fix restores by averaging after rounding.
#include <vector>

#include "core/groups/group_def.h"
#include "core/groups/realify.h"
#include "core/util/error.h"

namespace udlab {
namespace {

// (J Z̄ J⁻¹)_{jk} = s_j s_k conj(Z_{σ(j) σ(k)}), σ swapping the halves, s = +1 on the first half, −1 on
// the second.
template <class S>
void symplectic_average(int d, std::vector<std::complex<S>>& Z) {
  const int h = d / 2;
  auto sigma = [h](int j) { return j < h ? j + h : j - h; };
  auto sgn = [h](int j) { return j < h ? S(1) : S(-1); };
  std::vector<std::complex<S>> W(Z.size());
  for (int j = 0; j < d; ++j)
    for (int k = 0; k < d; ++k)
      W[size_t(j) * d + k] = (Z[size_t(j) * d + k] + sgn(j) * sgn(k) * std::conj(Z[size_t(sigma(j)) * d + sigma(k)])) / S(2);
  Z.swap(W);
}

// The complex d×d matrix behind realified X [2d×2d], averaged onto J Z̄ J⁻¹ = Z. Thread-local storage:
// project and fix run per state inside parallel loops and must not allocate each time.
template <class S>
std::vector<std::complex<S>>& averaged_complex(int d, const S* X) {
  thread_local std::vector<std::complex<S>> Z;
  Z.resize(size_t(d) * d);
  for (int j = 0; j < d; ++j)
    for (int k = 0; k < d; ++k) Z[size_t(j) * d + k] = realify::get(X, 2 * d, j, k);
  symplectic_average(d, Z);
  return Z;
}

struct SpGroup {
  static GroupSpec make(int d, int) {
    if (d < 2 || d % 2 != 0) throw Error("group sp: d must be even and at least 2 (Sp(d/2) in U(d); got d = " + std::to_string(d) + ")");
    int h = d / 2;
    return GroupSpec{GroupKind::Sp, d, 2 * d, 2 * d, h * (2 * h + 1), true};
  }
  template <class S>
  static void project(const GroupSpec& g, const S* X, S* Y) {
    const int d = g.d, n = 2 * d;
    const auto& Z = averaged_complex(d, X);
    for (int j = 0; j < d; ++j)
      for (int k = 0; k < d; ++k)
        realify::put(Y, n, j, k, (Z[size_t(j) * d + k] - std::conj(Z[size_t(k) * d + j])) / S(2));
  }
  template <class S>
  static void fix(const GroupSpec& g, S* h) {
    const int d = g.d, n = 2 * d;
    const auto& Z = averaged_complex(d, h);
    for (int j = 0; j < d; ++j)
      for (int k = 0; k < d; ++k) realify::put(h, n, j, k, Z[size_t(j) * d + k]);
  }
};

UDLAB_REGISTER_GROUP(SpGroup, GroupKind::Sp, "sp", "compact symplectic Sp(d/2) in U(d), d even (stored realified, n = 2d)", false);

}  // namespace
}  // namespace udlab
