// U(d), realified (n = 2d). 𝔲(d) = skew-Hermitian: Π takes the nearest complex matrix of each 2×2
// block, then its skew-Hermitian part (math-notes §1, "Real representation").
#include "core/groups/group_def.h"
#include "core/groups/realify.h"
#include "core/util/error.h"

namespace udlab {
namespace {

struct UGroup {
  static GroupSpec make(int d, int) {
    if (d < 1) throw Error("group u: d must be at least 1 (got " + std::to_string(d) + ")");
    return GroupSpec{GroupKind::U, d, 2 * d, 2 * d, d * d, true};
  }
  template <class S>
  static void project(const GroupSpec& g, const S* X, S* Y) { realify::project_u(g.d, X, Y); }
  template <class S>
  static void fix(const GroupSpec& g, S* h) { realify::fix_complex(g.d, h); }
};

UDLAB_REGISTER_GROUP(UGroup, GroupKind::U, "u", "U(d), complex unitary (stored realified, n = 2d)", false);

}  // namespace
}  // namespace udlab
