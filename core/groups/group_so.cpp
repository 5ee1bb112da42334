// SO(d): rotations. Same algebra as O(d); the Newton–Schulz re-orthogonalisation moves the state
// continuously, so det stays +1.
#include "core/groups/group_def.h"
#include "core/groups/skew.h"
#include "core/util/error.h"

namespace udlab {
namespace {

struct SOGroup {
  static GroupSpec make(int d, int) {
    if (d < 1) throw Error("group so: d must be at least 1 (got " + std::to_string(d) + ")");
    return GroupSpec{GroupKind::SO, d, d, d, d * (d - 1) / 2, false};
  }
  template <class S>
  static void project(const GroupSpec& g, const S* X, S* Y) { skew::project_dense(g.n, X, Y); }
  template <class S>
  static void fix(const GroupSpec&, S*) {}
};

UDLAB_REGISTER_GROUP(SOGroup, GroupKind::SO, "so", "SO(d), rotations (det +1)", false);

}  // namespace
}  // namespace udlab
