// Initialisation of the LRU eigenvalues (math-notes §5.2), in double on the host. Pure functions of
// their inputs and an Rng, so the statistics tests can draw 10^4 channels without building a model.
#pragma once
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

// Eigenvalues of a random N×N real matrix with Glorot-normal entries N(0, 2/(N+N)) (the paper's dense
// linear RNN start; by the circular law they fill the unit disk). Mapping onto the exp parameterisation:
//   |λ| is clamped to [1e-20, kLruGlorotMaxRadius] (eigenvalues on or outside the circle occur near the edge);
//   θ = |arg λ|: a real matrix's spectrum is closed under conjugation and y = Re(Cx) makes λ and conj(λ)
//   equivalent, so each conjugate pair becomes two channels with the same θ > 0; real eigenvalues
//   (θ = 0 or π) have θ clamped to >= kLruMinPhase because θ = exp(θ_log) > 0.
inline constexpr double kLruGlorotMaxRadius = 0.9999;
// The N×N Glorot-normal matrix itself (row-major), drawn as lru_glorot_init draws it: the dense ladder
// rungs start from this matrix, the diagonal rungs from its eigenvalues, for the same rng state.
std::vector<double> lru_glorot_matrix(int N, Rng& rng);
inline constexpr double kLruMinPhase = 1e-7;
LruEigenInit lru_glorot_init(int N, Rng& rng);

}  // namespace udlab
