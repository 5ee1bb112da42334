// SU(d), realified (n = 2d). 𝔰𝔲(d) = traceless skew-Hermitian: the U(d) projection, then the imaginary
// trace removed. The structure fix restores det = 1 by the phase e^{−i·arg det h / d}.
#include <Eigen/LU>

#include "core/groups/group_def.h"
#include "core/groups/realify.h"
#include "core/util/error.h"

namespace udlab {
namespace {

struct SUGroup {
  static GroupSpec make(int d, int) {
    if (d < 1) throw Error("group su: d must be at least 1 (got " + std::to_string(d) + ")");
    return GroupSpec{GroupKind::SU, d, 2 * d, 2 * d, d * d - 1, true};
  }
  template <class S>
  static void project(const GroupSpec& g, const S* X, S* Y) {
    realify::project_u(g.d, X, Y);
    const int n = 2 * g.d;
    S tr = 0;
    for (int j = 0; j < g.d; ++j) tr += realify::get(Y, n, j, j).imag();
    tr /= S(g.d);
    for (int j = 0; j < g.d; ++j) {
      auto z = realify::get(Y, n, j, j);
      realify::put(Y, n, j, j, std::complex<S>(z.real(), z.imag() - tr));
    }
  }
  template <class S>
  static void fix(const GroupSpec& g, S* h) {
    const int d = g.d, n = 2 * d;
    realify::fix_complex(d, h);
    Eigen::MatrixXcd Z(d, d);
    for (int j = 0; j < d; ++j)
      for (int k = 0; k < d; ++k) {
        auto z = realify::get(h, n, j, k);
        Z(j, k) = {double(z.real()), double(z.imag())};
      }
    std::complex<double> det = Z.partialPivLu().determinant();
    std::complex<double> phase = std::polar(1.0, -std::arg(det) / d);
    for (int j = 0; j < d; ++j)
      for (int k = 0; k < d; ++k) {
        std::complex<double> z = Z(j, k) * phase;
        realify::put(h, n, j, k, std::complex<S>(S(z.real()), S(z.imag())));
      }
  }
};

UDLAB_REGISTER_GROUP(SUGroup, GroupKind::SU, "su", "SU(d), unitary with det 1 (stored realified, n = 2d)", false);

}  // namespace
}  // namespace udlab
