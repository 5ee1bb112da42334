// udlab's smooth bound on a generator's norm (issue 14; a udlab option, not part of the U(d) paper):
//   σ_c(ξ) = c·tanh(‖ξ‖_F / c)·ξ / ‖ξ‖_F,   so ‖σ_c(ξ)‖₂ ≤ ‖σ_c(ξ)‖_F < c.
// exp is periodic on a compact group: once ‖ξ‖₂ reaches π its adjoint loses directions and distinct
// tokens can map to the same rotation (math-notes §4). group-rnn at a larger learning rate drives ‖ξ_t‖_F
// far past π (docs/results.md, issue 14), so bounding it lets training use the step sizes a tanh RNN uses.
// σ_c is the identity to second order at 0 (σ_c(ξ) = ξ·(1 − ‖ξ‖²/(3c²) + …)), so small generators,
// and the initialisation, are nearly unchanged; σ_c maps the algebra into itself (it only rescales).
#pragma once
#include <cmath>
#include <cstddef>

namespace udlab {

// σ_c(ξ) = scale·ξ; its adjoint (σ_c is a gradient map, so J is symmetric) is
// Jᵀȳ = scale·ȳ + dscale·⟨ξ, ȳ⟩·ξ, with scale = g(r) = tanh(r/c)/(r/c) and dscale = g'(r)/r, r = ‖ξ‖_F.
struct XiBoundFactors {
  double scale = 1, dscale = 0;
};

inline XiBoundFactors xi_bound_factors(double r, double c) {
  const double x = r / c;
  if (x < 1e-3) {  // series: the closed form below cancels catastrophically as r → 0
    const double x2 = x * x;
    return {1 - x2 / 3 + 2 * x2 * x2 / 15, (-2.0 / 3 + 8 * x2 / 15) / (c * c)};
  }
  const double t = std::tanh(x), g = t / x;
  return {g, ((1 - t * t) - g) / (r * r)};
}

// Σ x², accumulated in double in a fixed order.
template <class S>
double sum_squares(const S* x, size_t len) {
  double s = 0;
  for (size_t i = 0; i < len; ++i) s += double(x[i]) * x[i];
  return s;
}

// y = σ_c(ξ) (y may alias xi); returns the factors for the backward pass.
template <class S>
XiBoundFactors xi_bound_apply(const S* xi, S* y, size_t len, double c) {
  const XiBoundFactors f = xi_bound_factors(std::sqrt(sum_squares(xi, len)), c);
  for (size_t i = 0; i < len; ++i) y[i] = S(f.scale * xi[i]);
  return f;
}

// ybar ← Jᵀ ybar at ξ, in place: the gradient of σ_c's input from its output's.
template <class S>
void xi_bound_adjoint(const S* xi, const XiBoundFactors& f, S* ybar, size_t len) {
  double dot = 0;
  for (size_t i = 0; i < len; ++i) dot += double(xi[i]) * ybar[i];
  const double k = f.dscale * dot;
  for (size_t i = 0; i < len; ++i) ybar[i] = S(f.scale * ybar[i] + k * xi[i]);
}

}  // namespace udlab
