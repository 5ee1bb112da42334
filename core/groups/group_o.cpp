// O(d): real orthogonal matrices. 𝔬(d) = real skew, Π(X) = (X − Xᵀ)/2. exp reaches SO(d) only, so the
// det −1 component is reached by a reflected start (--reflect) that training keeps.
#include "core/groups/group_def.h"
#include "core/groups/skew.h"
#include "core/util/error.h"

namespace udlab {
namespace {

struct OGroup {
  static GroupSpec make(int d, int) {
    if (d < 1) throw Error("group o: d must be at least 1 (got " + std::to_string(d) + ")");
    return GroupSpec{GroupKind::O, d, d, d, d * (d - 1) / 2, false};
  }
  template <class S>
  static void project(const GroupSpec& g, const S* X, S* Y) { skew::project_dense(g.n, X, Y); }
  template <class S>
  static void fix(const GroupSpec&, S*) {}
};

UDLAB_REGISTER_GROUP(OGroup, GroupKind::O, "o", "O(d), real orthogonal; --reflect starts in the det -1 component", false);

}  // namespace
}  // namespace udlab
