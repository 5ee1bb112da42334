// SO(b)^(d/b): block-diagonal rotations. Π keeps the skew part of each diagonal b×b block and zeroes
// everything else; exp and its adjoint run per block (closed form at b = 2).
#include "core/groups/group_def.h"
#include "core/groups/skew.h"
#include "core/util/error.h"

namespace udlab {
namespace {

struct BlockDiagGroup {
  static GroupSpec make(int d, int b) {
    if (b < 1) throw Error("group blockdiag:b needs a block size b >= 1 (e.g. blockdiag:2)");
    if (d < 1 || d % b != 0)
      throw Error("group blockdiag:" + std::to_string(b) + ": b must divide d (d = " + std::to_string(d) + ")");
    return GroupSpec{GroupKind::BlockDiag, d, d, b, (d / b) * b * (b - 1) / 2, false};
  }
  template <class S>
  static void project(const GroupSpec& g, const S* X, S* Y) { skew::project_blocks(g.n, g.block, X, Y); }
  template <class S>
  static void fix(const GroupSpec&, S*) {}  // products of block-diagonal matrices stay exactly so
};

UDLAB_REGISTER_GROUP(BlockDiagGroup, GroupKind::BlockDiag, "blockdiag", "SO(b)^(d/b), block-diagonal rotations (blockdiag:b, b divides d)", true);

}  // namespace
}  // namespace udlab
