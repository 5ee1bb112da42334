// The subgroups: Π, exp, the exp adjoint, membership, re-orthogonalisation and the registry, for every
// registered group, against exact algebraic identities, a long-double reference and finite differences.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <Eigen/QR>
#include <array>
#include <cstdio>
#include <map>
#include <cmath>
#include <unsupported/Eigen/MatrixFunctions>
#include <vector>

#include "core/groups/group.h"
#include "core/util/error.h"
#include "core/util/rng.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {

struct Case {
  const char* name;
  int d;
};
// Small sizes keep the n²×n² rank test cheap; blockdiag:3 checks a non-2 block.
const Case kCases[] = {{"o", 5}, {"so", 4}, {"u", 3}, {"su", 3}, {"torus", 4}, {"blockdiag:2", 6}, {"blockdiag:3", 6}, {"sp", 4}};

template <class S>
std::vector<S> randn(size_t n, Rng& r, double scale = 1.0) {
  std::vector<S> v(n);
  for (auto& x : v) x = S(scale * r.normal());
  return v;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double frob(const std::vector<double>& a) { return std::sqrt(dot(a, a)); }

// A random algebra element with Frobenius norm `norm`.
std::vector<double> random_algebra(const Group& g, Rng& r, double norm) {
  const int n = g.n();
  auto X = randn<double>(size_t(n) * n, r);
  g.project(X.data(), X.data());
  double f = frob(X);
  for (auto& x : X) x *= norm / f;
  return X;
}

using MatL = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;

std::vector<double> reference_exp(const std::vector<double>& X, int n) {
  MatL A(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) A(i, j) = X[size_t(i) * n + j];
  MatL E = A.exp();
  std::vector<double> out(size_t(n) * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) out[size_t(i) * n + j] = double(E(i, j));
  return out;
}

// Exact algebraic constraints of the algebra (real skew always; group-specific structure on top).
void expect_in_algebra(const Group& g, const std::vector<double>& Y, const std::string& what) {
  const int n = g.n();
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) ASSERT_EQ(Y[size_t(i) * n + j], -Y[size_t(j) * n + i]) << what << " not skew";
  const int b = g.spec().block;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      if (i / b != j / b) ASSERT_EQ(Y[size_t(i) * n + j], 0.0) << what << " off-block entry";
  if (g.is_complex()) {
    for (int j = 0; j < g.d(); ++j)
      for (int k = 0; k < g.d(); ++k) {
        const double* p = &Y[size_t(2 * j) * n + 2 * k];
        ASSERT_EQ(p[0], p[n + 1]) << what << " complex structure";
        ASSERT_EQ(p[1], -p[n]) << what << " complex structure";
      }
    auto z = g.to_complex(Y.data());
    const int d = g.d();
    if (g.spec().kind == GroupKind::SU) {
      std::complex<double> tr = 0;
      for (int j = 0; j < d; ++j) tr += z[size_t(j) * d + j];
      EXPECT_NEAR(std::abs(tr), 0.0, 1e-14) << what << " su trace";
    }
    if (g.spec().kind == GroupKind::Sp) {  // XᵀJ + JX = 0
      Eigen::MatrixXcd Z(d, d), J = Eigen::MatrixXcd::Zero(d, d);
      for (int j = 0; j < d; ++j)
        for (int k = 0; k < d; ++k) Z(j, k) = z[size_t(j) * d + k];
      for (int j = 0; j < d / 2; ++j) { J(j, j + d / 2) = 1; J(j + d / 2, j) = -1; }
      EXPECT_LT((Z.transpose() * J + J * Z).norm(), 1e-14) << what << " sp constraint";
    }
  }
}

}  // namespace

TEST(Groups, RegistryKnowsEveryGroupAndRejectsBadNames) {
  auto names = group_names();
  EXPECT_EQ(names.size(), 7u);
  EXPECT_THROW(make_group("blockdiag:3", 8), Error);
  EXPECT_THROW(make_group("blockdiag", 8), Error);
  EXPECT_THROW(make_group("blockdiag:x", 8), Error);
  EXPECT_THROW(make_group("sp", 5), Error);
  EXPECT_THROW(make_group("o:2", 5), Error);
  EXPECT_THROW(make_group("gl", 4), Error);
  EXPECT_THROW(make_group("o", 0), Error);
  try {
    make_group("gl", 4);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("blockdiag:b"), std::string::npos) << e.what();
  }
  Group g = make_group("blockdiag:4", 8);
  EXPECT_EQ(g.name(), "blockdiag:4");
  EXPECT_EQ(g.n(), 8);
  EXPECT_EQ(g.dim(), 2 * 6);
  EXPECT_EQ(make_group("u", 8).n(), 16);
  EXPECT_EQ(make_group("sp", 4).dim(), 2 * 5);
  EXPECT_THROW(make_group("u", 3).initial_state<double>(true), Error);
}

TEST(Groups, ProjectionIsIdempotentSelfAdjointAndLandsInTheAlgebra) {
  Rng r(11);
  for (auto c : kCases) {
    Group g = make_group(c.name, c.d);
    const int n = g.n();
    auto X = randn<double>(size_t(n) * n, r), Z = randn<double>(size_t(n) * n, r);
    std::vector<double> Y(X.size()), YY(X.size()), PZ(X.size());
    g.project(X.data(), Y.data());
    expect_in_algebra(g, Y, c.name);
    g.project(Y.data(), YY.data());
    for (size_t i = 0; i < Y.size(); ++i) EXPECT_NEAR(YY[i], Y[i], 1e-15) << c.name << " idempotent";
    g.project(Z.data(), PZ.data());
    EXPECT_NEAR(dot(Y, Z), dot(X, PZ), 1e-12) << c.name << " self-adjoint";
    // X − ΠX is orthogonal to the algebra.
    std::vector<double> R(X.size());
    for (size_t i = 0; i < X.size(); ++i) R[i] = X[i] - Y[i];
    EXPECT_NEAR(dot(R, PZ), 0.0, 1e-12) << c.name << " orthogonal";
    // Rank of Π as an n²×n² real matrix equals dim 𝔤.
    Eigen::MatrixXd P(n * n, n * n);
    std::vector<double> e(size_t(n) * n), pe(size_t(n) * n);
    for (int k = 0; k < n * n; ++k) {
      std::fill(e.begin(), e.end(), 0.0);
      e[k] = 1;
      g.project(e.data(), pe.data());
      for (int i = 0; i < n * n; ++i) P(i, k) = pe[i];
    }
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(P);
    qr.setThreshold(1e-10);
    EXPECT_EQ(qr.rank(), g.dim()) << c.name;
    // In place (aliasing) gives the same result.
    auto X2 = X;
    g.project(X2.data(), X2.data());
    EXPECT_EQ(X2, Y) << c.name << " aliasing";
  }
}

TEST(Groups, ExpLandsInTheGroupAndMatchesLongDoubleReference) {
  Rng r(12);
  std::map<double, std::array<double, 3>> worst;  // norm → max |E − ref| double, float; float membership
  for (auto c : kCases) {
    Group g = make_group(c.name, c.d);
    const int n = g.n();
    for (double norm : {1e-3, 0.3, 1.0, 4.0, 20.0, 50.0}) {
      auto X = random_algebra(g, r, norm);
      std::vector<double> E(X.size());
      g.exp(X.data(), E.data());
      auto ref = reference_exp(X, n);
      double err = 0;
      for (size_t i = 0; i < E.size(); ++i) err = std::max(err, std::abs(E[i] - ref[i]));
      EXPECT_LT(err, 1e-13 * std::max(1.0, norm)) << c.name << " double vs long double at norm " << norm;
      EXPECT_LT(g.membership_error(E.data()), 1e-12) << c.name << " norm " << norm;
      std::vector<double> Ek(E.size());
      g.project(E.data(), Ek.data());  // structure: E is in the group, so E's blocks keep the shape
      // float32 path against the same reference
      std::vector<float> Xf(X.begin(), X.end()), Ef(X.size());
      g.exp(Xf.data(), Ef.data());
      double errf = 0;
      for (size_t i = 0; i < E.size(); ++i) errf = std::max(errf, std::abs(double(Ef[i]) - ref[i]));
      EXPECT_LT(errf, 2e-6 * std::max(1.0, norm)) << c.name << " float vs reference at norm " << norm;
      EXPECT_LT(g.membership_error(Ef.data()), 1e-5) << c.name << " float membership at norm " << norm;
      auto& w = worst[norm];
      w = {std::max(w[0], err), std::max(w[1], errf), std::max(w[2], g.membership_error(Ef.data()))};
      // det: +1 on every connected group (exp reaches the identity component)
      auto det = g.det(E.data());
      bool special = g.spec().kind != GroupKind::U && g.spec().kind != GroupKind::Torus;
      if (special) EXPECT_NEAR(std::abs(det - 1.0), 0.0, 1e-11) << c.name << " det";
      EXPECT_NEAR(std::abs(det), 1.0, 1e-11) << c.name << " |det|";
    }
  }
  for (auto& [norm, w] : worst)
    std::printf("[ info ] ||xi||_F = %g: max |exp - ref| double %.2g, float %.2g; float membership %.2g\n", norm, w[0],
                w[1], w[2]);
}

TEST(Groups, ExpAdjointMatchesFiniteDifferences) {
  Rng r(13);
  for (auto c : kCases) {
    Group g = make_group(c.name, c.d);
    const int n = g.n();
    for (double norm : {0.5, 6.0}) {
      auto X = random_algebra(g, r, norm);
      auto G = randn<double>(X.size(), r);
      // f(X) = ⟨G, exp(Π X)⟩; its gradient is Π(L(ΠXᵀ, G)) = exp_adjoint(ΠX, G).
      std::vector<double> Xb(X.size());
      g.exp_adjoint(X.data(), G.data(), Xb.data());
      auto f = [&](const std::vector<double>& Xv) {
        std::vector<double> P(Xv.size()), E(Xv.size());
        g.project(Xv.data(), P.data());
        g.exp(P.data(), E.data());
        return dot(G, E);
      };
      udlab::testing::expect_gradient_matches(f, X, Xb, std::string(c.name) + " adjoint, norm " + std::to_string(norm),
                                              1e-7, size_t(n) * n);
      // float adjoint agrees with the double one
      std::vector<float> Xf(X.begin(), X.end()), Gf(G.begin(), G.end()), Xbf(X.size());
      g.exp_adjoint(Xf.data(), Gf.data(), Xbf.data());
      double scale = frob(Xb), err = 0;
      for (size_t i = 0; i < Xb.size(); ++i) err = std::max(err, std::abs(double(Xbf[i]) - Xb[i]));
      EXPECT_LT(err, 1e-5 * std::max(1.0, scale)) << c.name << " float adjoint";
    }
  }
}

TEST(Groups, DeterminantsAndReflectedStart) {
  Rng r(14);
  for (const char* name : {"so", "su", "o"}) {
    Group g = make_group(name, 4);
    auto h = g.initial_state<double>(false);
    for (int t = 0; t < 20; ++t) {
      auto X = random_algebra(g, r, 1.5);
      std::vector<double> E(X.size()), hn(X.size());
      g.exp(X.data(), E.data());
      Eigen::Map<Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(hn.data(), g.n(), g.n()) =
          Eigen::Map<Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(h.data(), g.n(), g.n()) *
          Eigen::Map<Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(E.data(), g.n(), g.n());
      h = hn;
    }
    auto det = g.det(h.data());
    EXPECT_NEAR(det.real(), 1.0, 1e-12) << name;
    EXPECT_NEAR(det.imag(), 0.0, 1e-12) << name;
  }
  Group o = make_group("o", 5);
  auto h = o.initial_state<double>(true);
  EXPECT_NEAR(o.det(h.data()).real(), -1.0, 1e-15);
  auto X = random_algebra(o, r, 2.0);
  std::vector<double> E(X.size());
  o.exp(X.data(), E.data());
  Eigen::Map<Eigen::Matrix<double, -1, -1, Eigen::RowMajor>> H(h.data(), 5, 5), EE(E.data(), 5, 5);
  Eigen::MatrixXd hn = H * EE;
  EXPECT_NEAR(hn.determinant(), -1.0, 1e-12);
}

TEST(Groups, ReorthogonaliseRestoresMembershipAndStructure) {
  Rng r(15);
  for (auto c : kCases) {
    Group g = make_group(c.name, c.d);
    const int n = g.n();
    auto X = random_algebra(g, r, 2.0);
    std::vector<double> E(X.size());
    g.exp(X.data(), E.data());
    // A structured perturbation (realified complex, block-diagonal) plus a small det/phase drift.
    auto N = randn<double>(X.size(), r, 1e-3);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (i / g.spec().block != j / g.spec().block) N[size_t(i) * n + j] = 0;
    for (size_t i = 0; i < E.size(); ++i) E[i] += N[i];
    double before = g.membership_error(E.data());
    EXPECT_GT(before, 1e-4) << c.name;
    g.reorthogonalise(E.data());
    EXPECT_LT(g.membership_error(E.data()), 1e-13) << c.name;
    std::vector<double> P(E.size());
    // Structure: the group's own fix leaves a realified complex matrix with the right determinant.
    if (g.is_complex()) {
      for (int j = 0; j < g.d(); ++j)
        for (int k = 0; k < g.d(); ++k) {
          const double* p = &E[size_t(2 * j) * n + 2 * k];
          EXPECT_EQ(p[0], p[n + 1]) << c.name;
          EXPECT_EQ(p[1], -p[n]) << c.name;
        }
    }
    if (g.spec().kind == GroupKind::SU) EXPECT_NEAR(std::abs(g.det(E.data()) - 1.0), 0.0, 1e-12);
    if (g.spec().kind == GroupKind::Sp) {
      const int d = g.d();
      auto z = g.to_complex(E.data());
      Eigen::MatrixXcd Z(d, d), J = Eigen::MatrixXcd::Zero(d, d);
      for (int j = 0; j < d; ++j)
        for (int k = 0; k < d; ++k) Z(j, k) = z[size_t(j) * d + k];
      for (int j = 0; j < d / 2; ++j) { J(j, j + d / 2) = 1; J(j + d / 2, j) = -1; }
      EXPECT_LT((Z.transpose() * J * Z - J).norm(), 1e-12) << "sp: UᵀJU = J";
    }
  }
}

TEST(Groups, EigenvaluesOfComplexGroupsAreTheComplexSpectrum) {
  Rng r(16);
  Group g = make_group("u", 4);
  auto X = random_algebra(g, r, 1.0);
  std::vector<double> E(X.size());
  g.exp(X.data(), E.data());
  auto ev = g.eigenvalues(E.data());
  ASSERT_EQ(ev.size(), 4u);
  for (auto z : ev) EXPECT_NEAR(std::abs(z), 1.0, 1e-12);
}
