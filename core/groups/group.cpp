#include "core/groups/group.h"

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <array>

#include "core/groups/group_def.h"
#include "core/groups/group_kernels.h"
#include "core/groups/realify.h"
#include "core/util/error.h"

namespace udlab {
namespace {

struct Registry {
  std::array<GroupDef, size_t(GroupKind::Count)> defs;
  std::array<bool, size_t(GroupKind::Count)> present{};
};
Registry& registry() {
  static Registry r;
  return r;
}

template <class S>
kernels::Scratch<S>& scratch(int b) {
  thread_local kernels::Scratch<S> s;
  s.resize(b);
  return s;
}

std::string canonical_name(const GroupSpec& s) {
  const GroupDef& d = group_def(s.kind);
  return d.parameterised ? d.name + ":" + std::to_string(s.block) : d.name;
}

}  // namespace

void register_group(const GroupDef& def) {
  registry().defs[size_t(def.kind)] = def;
  registry().present[size_t(def.kind)] = true;
}

const GroupDef& group_def(GroupKind kind) {
  size_t k = size_t(kind);
  if (k >= size_t(GroupKind::Count) || !registry().present[k])
    throw Error("group kind " + std::to_string(k) + " is not registered in this build");
  return registry().defs[k];
}

std::vector<GroupDescription> group_names() {
  std::vector<GroupDescription> out;
  for (size_t k = 0; k < size_t(GroupKind::Count); ++k)
    if (registry().present[k]) {
      const GroupDef& d = registry().defs[k];
      out.push_back({d.parameterised ? d.name + ":b" : d.name, d.description});
    }
  return out;
}

Group make_group(const std::string& full, int d) {
  std::string base = full, arg;
  auto colon = full.find(':');
  if (colon != std::string::npos) {
    base = full.substr(0, colon);
    arg = full.substr(colon + 1);
  }
  for (size_t k = 0; k < size_t(GroupKind::Count); ++k) {
    if (!registry().present[k] || registry().defs[k].name != base) continue;
    const GroupDef& def = registry().defs[k];
    int a = 0;
    if (def.parameterised) {
      if (arg.empty() || arg.find_first_not_of("0123456789") != std::string::npos || arg.size() > 6)
        throw Error("group '" + full + "': expected " + base + ":b with a positive integer block size b");
      a = std::stoi(arg);
    } else if (colon != std::string::npos) {
      throw Error("group '" + full + "': '" + base + "' takes no ':' parameter");
    }
    GroupSpec s = def.make(d, a);
    return Group(s, canonical_name(s));
  }
  std::string known;
  for (auto& g : group_names()) known += (known.empty() ? "" : ", ") + g.name;
  throw Error("unknown group '" + full + "' (known: " + known + ")");
}

Group group_from_spec(const GroupSpec& spec) { return Group(spec, canonical_name(spec)); }

template <class S>
void Group::project(const S* X, S* Y) const { group_project_raw(spec_, X, Y); }

template <class S>
void Group::exp(const S* X, S* E) const { kernels::exp<S>(spec_, X, E, scratch<S>(spec_.block)); }

template <class S>
void Group::exp_adjoint(const S* X, const S* Ebar, S* Xbar) const {
  kernels::exp_adjoint<S>(spec_, X, Ebar, Xbar, nullptr, scratch<S>(spec_.block));
}

template <class S>
double Group::membership_error(const S* g) const { return kernels::membership_error(spec_, g); }

template <class S>
void Group::reorthogonalise(S* g) const { kernels::reorthogonalise(spec_, g); }

template <class S>
std::vector<S> Group::initial_state(bool reflect) const {
  const int n = spec_.n;
  std::vector<S> h(size_t(n) * n, S(0));
  for (int i = 0; i < n; ++i) h[size_t(i) * n + i] = S(1);
  if (reflect) {
    if (!reflectable())
      throw Error("--reflect applies only to group o (O(d)); group '" + name_ + "' has a connected state space");
    h[0] = S(-1);
  }
  return h;
}

std::vector<std::complex<double>> Group::to_complex(const double* g) const {
  const int d = spec_.d, n = spec_.n;
  std::vector<std::complex<double>> z(size_t(d) * d);
  for (int j = 0; j < d; ++j)
    for (int k = 0; k < d; ++k) z[size_t(j) * d + k] = spec_.complex ? realify::get(g, n, j, k) : g[size_t(j) * n + k];
  return z;
}

std::vector<std::complex<double>> Group::eigenvalues(const double* g) const {
  const int d = spec_.d;
  auto z = to_complex(g);
  Eigen::MatrixXcd Z(d, d);
  for (int j = 0; j < d; ++j)
    for (int k = 0; k < d; ++k) Z(j, k) = z[size_t(j) * d + k];
  Eigen::ComplexEigenSolver<Eigen::MatrixXcd> es(Z, false);
  if (es.info() != Eigen::Success) throw Error("eigenvalues of a group element did not converge");
  std::vector<std::complex<double>> out(es.eigenvalues().data(), es.eigenvalues().data() + d);
  return out;
}

std::complex<double> Group::det(const double* g) const {
  const int d = spec_.d;
  auto z = to_complex(g);
  Eigen::MatrixXcd Z(d, d);
  for (int j = 0; j < d; ++j)
    for (int k = 0; k < d; ++k) Z(j, k) = z[size_t(j) * d + k];
  return Z.partialPivLu().determinant();
}

template void Group::project<float>(const float*, float*) const;
template void Group::project<double>(const double*, double*) const;
template void Group::exp<float>(const float*, float*) const;
template void Group::exp<double>(const double*, double*) const;
template void Group::exp_adjoint<float>(const float*, const float*, float*) const;
template void Group::exp_adjoint<double>(const double*, const double*, double*) const;
template double Group::membership_error<float>(const float*) const;
template double Group::membership_error<double>(const double*) const;
template void Group::reorthogonalise<float>(float*) const;
template void Group::reorthogonalise<double>(double*) const;
template std::vector<float> Group::initial_state<float>(bool) const;
template std::vector<double> Group::initial_state<double>(bool) const;

}  // namespace udlab
