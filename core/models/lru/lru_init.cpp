#include "core/models/lru/lru_init.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <complex>

#include "core/util/error.h"

namespace udlab {

double lru_gamma_log(double nu) { return 0.5 * std::log(-std::expm1(-2.0 * nu)); }

void lru_ring_from_uniforms(double u1, double u2, double r_min, double r_max, double max_phase, double* nu_log,
                            double* theta_log) {
  const double lo = 1e-7, hi = 1.0 - 1e-7;
  u1 = std::clamp(u1, lo, hi);
  u2 = std::clamp(u2, lo, hi);
  double r2 = u1 * (r_max * r_max - r_min * r_min) + r_min * r_min;
  double nu = -0.5 * std::log(r2);
  *nu_log = std::log(nu);
  *theta_log = std::log(max_phase * u2);
}

LruEigenInit lru_ring_init(int N, double r_min, double r_max, double max_phase, Rng& rng) {
  if (N <= 0) throw Error("lru: state size must be positive");
  if (!(r_min >= 0 && r_min <= r_max && r_max <= 1 && r_min < 1))
    throw Error("lru: ring initialisation needs 0 <= r_min <= r_max <= 1 and r_min < 1 (got r_min=" +
                std::to_string(r_min) + ", r_max=" + std::to_string(r_max) + ")");
  if (!(max_phase > 0) || !std::isfinite(max_phase))
    throw Error("lru: max_phase must be positive (got " + std::to_string(max_phase) + ")");
  LruEigenInit out;
  out.nu_log.resize(N);
  out.theta_log.resize(N);
  out.gamma_log.resize(N);
  for (int n = 0; n < N; ++n) {
    double u1 = rng.uniform(), u2 = rng.uniform();
    lru_ring_from_uniforms(u1, u2, r_min, r_max, max_phase, &out.nu_log[n], &out.theta_log[n]);
    out.gamma_log[n] = lru_gamma_log(std::exp(out.nu_log[n]));
  }
  return out;
}

namespace {
std::vector<std::complex<double>> eigenvalues_of(const std::vector<double>& w, int N) {
  Eigen::MatrixXd W = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(w.data(), N, N);
  Eigen::EigenSolver<Eigen::MatrixXd> es(W, /*computeEigenvectors=*/false);
  if (es.info() != Eigen::Success) throw Error("lru: eigenvalue solver failed for the Glorot initialisation");
  auto ev = es.eigenvalues();
  return std::vector<std::complex<double>>(ev.data(), ev.data() + N);
}
}  // namespace

std::vector<double> lru_glorot_matrix(int N, Rng& rng, double radius) {
  if (N <= 0) throw Error("lru: state size must be positive");
  if (!(radius >= 0 && radius <= 1)) throw Error("lru: glorot_radius must be in [0, 1] (0 = off)");
  std::vector<double> w(size_t(N) * N);
  const double sd = std::sqrt(2.0 / (N + N));
  for (auto& v : w) v = sd * rng.normal();
  if (radius > 0) {
    double rho = 0;
    for (auto l : eigenvalues_of(w, N)) rho = std::max(rho, std::abs(l));
    if (rho > radius)
      for (auto& v : w) v *= radius / rho;
  }
  return w;
}

std::vector<std::complex<double>> lru_glorot_eigenvalues(int N, Rng& rng, double radius) {
  std::vector<std::complex<double>> ev = eigenvalues_of(lru_glorot_matrix(N, rng, radius), N);
  for (auto& l : ev) l = std::polar(std::max(std::abs(l), 1e-20), std::max(std::abs(std::arg(l)), kLruMinPhase));
  return ev;
}

void lru_stable_from_eigenvalue(std::complex<double> lambda, double* nu_log, double* theta_log, double* gamma_log) {
  double nu = -std::log(std::min(std::abs(lambda), kLruGlorotMaxRadius));
  *nu_log = std::log(nu);
  *theta_log = std::log(std::max(std::abs(std::arg(lambda)), kLruMinPhase));
  *gamma_log = lru_gamma_log(nu);
}

LruEigenInit lru_glorot_init(int N, Rng& rng, double radius) {
  std::vector<std::complex<double>> ev = lru_glorot_eigenvalues(N, rng, radius);
  LruEigenInit out;
  out.nu_log.resize(N);
  out.theta_log.resize(N);
  out.gamma_log.resize(N);
  for (int n = 0; n < N; ++n) lru_stable_from_eigenvalue(ev[n], &out.nu_log[n], &out.theta_log[n], &out.gamma_log[n]);
  return out;
}

}  // namespace udlab
