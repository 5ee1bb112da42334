// Initialisation of the LRU eigenvalues (math-notes §5.2), in double on the host. Pure functions of
// their inputs and an Rng, so the statistics tests can draw 10^4 channels without building a model.
#pragma once
#include <complex>
#include <vector>

#include "core/util/rng.h"

namespace udlab {

struct LruEigenInit {
  std::vector<double> nu_log, theta_log;  // [N]
  std::vector<double> gamma_log;          // [N], log sqrt(1 − |λ|²) for the initial λ
};

// γ_log = log sqrt(1 − e^{−2ν}), from ν rather than a rounded |λ| (the two differ badly near |λ| = 1).
double lru_gamma_log(double nu);

// One ring draw from the uniforms (u1, u2), clamped to [1e-7, 1 − 1e-7] so that u = 0 or 1 stays finite.
// |λ|² = u1 (r_max² − r_min²) + r_min², θ = max_phase · u2.
void lru_ring_from_uniforms(double u1, double u2, double r_min, double r_max, double max_phase, double* nu_log,
                            double* theta_log);

// Ring initialisation of N channels. Throws udlab::Error unless 0 <= r_min <= r_max <= 1, r_min < 1 and
// max_phase > 0.
LruEigenInit lru_ring_init(int N, double r_min, double r_max, double max_phase, Rng& rng);

// The paper's dense linear RNN starts from a random N×N real matrix with Glorot-normal entries
// N(0, 2/(N+N)); by the circular law its eigenvalues fill the unit disk, but at finite N its spectral
// radius scatters around 1 (N = 32: up to ~1.3), and a linear recurrence with |λ| > 1 explodes within a
// few hundred steps (Bar et al. 2025, "Revisiting Glorot initialization for long-range linear
// recurrences"). radius > 0 scales the whole matrix down, when its spectral radius exceeds radius, to
// spectral radius exactly radius (their remedy, and what the paper's diagonal rungs get by drawing λ
// uniformly in the disk); radius = 0 keeps the raw Glorot draw. Every rung (dense A, or the eigenvalues
// the diagonal rungs start from) is drawn through this one function, so that for the same seed and radius
// they start from the same spectrum.
std::vector<double> lru_glorot_matrix(int N, Rng& rng, double radius = 0);
// Its eigenvalues, folded onto the closed upper half plane: a real matrix's spectrum is closed under
// conjugation and y = Re(Cx) makes λ and conj(λ) equivalent, so each conjugate pair becomes two channels
// with the same θ = |arg λ| (they separate in training because their B and C rows differ); real eigenvalues
// (θ = 0 or π) have θ clamped to >= kLruMinPhase because the exp parameterisations need θ > 0. |λ| is not
// clamped: real-im and exp represent any λ ≠ 0 (|λ| >= 1e-20 is kept so that log|λ| is finite).
inline constexpr double kLruMinPhase = 1e-7;
std::vector<std::complex<double>> lru_glorot_eigenvalues(int N, Rng& rng, double radius = 0);
// Those eigenvalues mapped onto the stable exp parameterisation (ν_log, θ_log, γ_log). ν = exp(ν_log) > 0
// cannot represent |λ| >= 1, so |λ| is clamped to <= kLruGlorotMaxRadius: that clamp belongs to the
// stable parameterisation (the rung that introduces it), not to the Glorot draw.
inline constexpr double kLruGlorotMaxRadius = 0.9999;
LruEigenInit lru_glorot_init(int N, Rng& rng, double radius = 0);
// One eigenvalue onto (ν_log, θ_log, γ_log) of the stable parameterisation, with the clamp above.
void lru_stable_from_eigenvalue(std::complex<double> lambda, double* nu_log, double* theta_log, double* gamma_log);

}  // namespace udlab
