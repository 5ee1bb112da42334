// Subgroups of U(d) as plug-ins. Model code never names a specific group: it asks make_group(name, d)
// for a Group and passes group.spec() (plain data, no virtual calls) to the backend's GroupOps, so that
// a CUDA twin can implement the same maths from the spec alone.
//
// Names (CLI --group):  o | so | u | su | torus | blockdiag:b | sp
//
// Representation: every group element and every algebra element is a REAL n×n row-major matrix.
//  * Real groups (o, so, blockdiag:b): n = d.
//  * Complex groups (u, su, torus, sp): n = 2d, the interleaved realification: complex entry
//    z_jk = a + ib occupies rows 2j..2j+1, columns 2k..2k+1 as the block [[a, -b], [b, a]].
//    Products, transposes (= conjugate transposes) and exp commute with this map, so one real code path
//    serves every group. The Frobenius inner product of realified matrices is 2× the complex one, a
//    uniform factor, so Π stays an orthogonal projection and gradients stay exact.
//  * Block structure: spec.block is the size of the diagonal blocks that group and algebra elements
//    are made of (torus: 2, blockdiag:b: b, every other group: n). Entries outside those blocks are
//    exactly zero, and ops may exploit it (closed-form 2×2 rotations, per-block exp).
//
// Per group: Π (orthogonal projection onto the Lie algebra, self-adjoint, so its backward is Π itself),
// dim 𝔤, exp (scaling and squaring Taylor/Paterson–Stockmeyer, exact to the scalar's round-off for any
// norm; closed form for 2×2 blocks), the exp adjoint (Fréchet derivative L(Xᵀ, Ē), projected), the
// membership error ‖gᴴg − I‖_F (of the complex matrix for complex groups), and re-orthogonalisation
// (one or more Newton–Schulz polar steps, then the group's structure fix: complex structure,
// det phase for SU, symplectic symmetry for Sp).
//
// The single-matrix functions below run on host pointers. They are the reference the batched
// GroupOps (core/backend/group_ops.h) are tested against, and what non-hot code (tests, telemetry,
// initial states) uses.
#pragma once
#include <complex>
#include <string>
#include <vector>

namespace udlab {

enum class GroupKind : int { O = 0, SO, U, SU, Torus, BlockDiag, Sp, Count };

// Everything a kernel needs to know about a group. Plain data: copy it to a GPU freely.
struct GroupSpec {
  GroupKind kind = GroupKind::O;
  int d = 0;              // the group sits in U(d)
  int n = 0;              // real matrix size (d, or 2d for complex groups)
  int block = 0;          // size of the diagonal blocks (n when dense)
  int dim = 0;            // real dimension of the Lie algebra
  bool complex = false;   // realified complex group (n = 2d)
};

class Group {
 public:
  Group() = default;
  Group(GroupSpec spec, std::string name) : spec_(spec), name_(std::move(name)) {}

  const GroupSpec& spec() const { return spec_; }
  const std::string& name() const { return name_; }  // canonical, e.g. "blockdiag:2"
  int d() const { return spec_.d; }
  int n() const { return spec_.n; }
  int dim() const { return spec_.dim; }
  bool is_complex() const { return spec_.complex; }
  // True for O(d): the only group whose state may start in the det −1 component (--reflect).
  bool reflectable() const { return spec_.kind == GroupKind::O; }

  // Y = Π(X). X and Y may alias.
  template <class S> void project(const S* X, S* Y) const;
  // E = exp(X) for X in the algebra.
  template <class S> void exp(const S* X, S* E) const;
  // Xbar = Π(L(Xᵀ, Ebar)): the gradient w.r.t. X of ⟨Ebar, exp(X)⟩ along the algebra.
  template <class S> void exp_adjoint(const S* X, const S* Ebar, S* Xbar) const;
  // ‖gᴴg − I‖_F of the (complex, for complex groups) matrix g.
  template <class S> double membership_error(const S* g) const;
  // Moves g back onto the group (Newton–Schulz polar steps + structure fix). No gradient.
  template <class S> void reorthogonalise(S* g) const;
  // The initial state: identity, or diag(−1, 1, …, 1) with reflect (O(d) only; Error otherwise).
  template <class S> std::vector<S> initial_state(bool reflect) const;

  // Host-side diagnostics in double.
  // The eigenvalues of g: n real-matrix eigenvalues for real groups, the d complex eigenvalues of the
  // complex matrix for complex groups (not the doubled realified spectrum).
  std::vector<std::complex<double>> eigenvalues(const double* g) const;
  // det g (of the complex matrix for complex groups).
  std::complex<double> det(const double* g) const;
  // The complex d×d matrix (row-major) a realified element stands for; for real groups, g itself.
  std::vector<std::complex<double>> to_complex(const double* g) const;

 private:
  GroupSpec spec_;
  std::string name_;
};

// "o", "so", "u", "su", "torus", "blockdiag:b", "sp" at size d. Throws udlab::Error naming the problem
// (unknown name, listing the known ones; b not dividing d; odd d for sp; d < 1).
Group make_group(const std::string& name, int d);
// Rebuilds a Group from its spec (e.g. inside ops that only received the spec).
Group group_from_spec(const GroupSpec& spec);
// Registered base names with a one-line description each, for --help and the GUI.
struct GroupDescription {
  std::string name;         // "blockdiag:b" for parameterised groups
  std::string description;
};
std::vector<GroupDescription> group_names();

}  // namespace udlab
