// Internal: how each group file plugs into the registry. A group contributes its name, how to build
// its spec, its projection Π and its structure fix (run after the generic Newton–Schulz step); every
// other operation (exp, its adjoint, membership, re-orthogonalisation) is generic over GroupSpec.
#pragma once
#include <string>

#include "core/groups/group.h"

namespace udlab {

struct GroupDef {
  GroupKind kind;
  std::string name;         // base name, e.g. "blockdiag"
  std::string description;  // one sentence
  bool parameterised;       // takes ":b" (blockdiag)
  GroupSpec (*make)(int d, int arg);  // validates; throws udlab::Error
  void (*project_f)(const GroupSpec&, const float*, float*);
  void (*project_d)(const GroupSpec&, const double*, double*);
  void (*fix_f)(const GroupSpec&, float*);
  void (*fix_d)(const GroupSpec&, double*);
};

void register_group(const GroupDef& def);
// Throws udlab::Error when the kind was never registered (a build that dropped a group file).
const GroupDef& group_def(GroupKind kind);

template <class S>
inline void group_project_raw(const GroupSpec& g, const S* X, S* Y) {
  const GroupDef& d = group_def(g.kind);
  if constexpr (sizeof(S) == 4) d.project_f(g, X, Y);
  else d.project_d(g, X, Y);
}
template <class S>
inline void group_fix_raw(const GroupSpec& g, S* h) {
  const GroupDef& d = group_def(g.kind);
  if constexpr (sizeof(S) == 4) d.fix_f(g, h);
  else d.fix_d(g, h);
}

// In a group file (namespace scope): UDLAB_REGISTER_GROUP(Impl, GroupKind::X, "x", "…", false);
// Impl has static make(int d, int arg), template project<S>(spec, X, Y) and fix<S>(spec, h).
#define UDLAB_REGISTER_GROUP(Impl, kind, name, description, parameterised)                            \
  static const bool UDLAB_CONCAT_G(udlab_group_registered_, __LINE__) = [] {                         \
    ::udlab::register_group(::udlab::GroupDef{kind, name, description, parameterised, &Impl::make,  \
                                              &Impl::template project<float>,                       \
                                              &Impl::template project<double>,                      \
                                              &Impl::template fix<float>, &Impl::template fix<double>}); \
    return true;                                                                                      \
  }()
#define UDLAB_CONCAT_G_INNER(a, b) a##b
#define UDLAB_CONCAT_G(a, b) UDLAB_CONCAT_G_INNER(a, b)

}  // namespace udlab
