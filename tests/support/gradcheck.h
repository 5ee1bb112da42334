// Finite-difference gradient checks in double precision, shared by every model and op test.
// Central differences, step h = 1e-6 * max(1, |p|); a per-entry mixed absolute/relative tolerance.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/models/model.h"
#include "core/util/rng.h"

namespace udlab::testing {

// Compares an analytic gradient with central differences of f at x (both host vectors).
// Checks at most `max_checks` entries (evenly spread) so that large tensors stay fast.
inline void expect_gradient_matches(const std::function<double(const std::vector<double>&)>& f,
                                    std::vector<double> x, const std::vector<double>& analytic,
                                    const std::string& what, double tol = 1e-6, size_t max_checks = 64) {
  ASSERT_EQ(x.size(), analytic.size()) << what;
  size_t n = x.size();
  size_t stride = std::max<size_t>(1, n / max_checks);
  for (size_t i = 0; i < n; i += stride) {
    double p = x[i];
    double h = 1e-6 * std::max(1.0, std::abs(p));
    x[i] = p + h;
    double fp = f(x);
    x[i] = p - h;
    double fm = f(x);
    x[i] = p;
    double fd = (fp - fm) / (2 * h);
    double scale = std::max({1.0, std::abs(fd), std::abs(analytic[i])});
    EXPECT_NEAR(analytic[i], fd, tol * scale) << what << " [" << i << "]";
  }
}

// Tensor-by-tensor check of a layer's parameter gradients: `grads` (laid out as `specs`) against central
// differences of loss(θ) in each tensor's own entries, θ = `theta` elsewhere.
template <class Specs>
inline void expect_param_gradients_match(const Specs& specs, const std::vector<double>& theta,
                                         const std::vector<double>& grads,
                                         const std::function<double(const std::vector<double>&)>& loss,
                                         double tol, size_t max_checks) {
  for (const auto& spec : specs) {
    std::vector<double> x(theta.begin() + spec.offset, theta.begin() + spec.offset + spec.numel);
    std::vector<double> g(grads.begin() + spec.offset, grads.begin() + spec.offset + spec.numel);
    expect_gradient_matches(
        [&](const std::vector<double>& p) {
          std::vector<double> th = theta;
          std::copy(p.begin(), p.end(), th.begin() + spec.offset);
          return loss(th);
        },
        x, g, spec.name, tol, max_checks);
  }
}

// Full-model check: analytic d(mean loss)/dθ from forward_backward against central differences,
// tensor by tensor (each reported by name).
inline void expect_model_gradcheck(Model<double>& model, const Batch& batch, double tol = 1e-6,
                                   size_t checks_per_tensor = 24) {
  auto& ps = model.params();
  model.forward_backward(batch, true, nullptr);
  std::vector<double> grads = ps.download_grads();
  std::vector<double> theta = ps.download_values();
  auto loss_at = [&](const std::vector<double>& th) {
    ps.upload_values(th);
    return model.forward_backward(batch, false, nullptr).mean_loss();
  };
  for (const auto& spec : ps.specs()) {
    size_t stride = std::max<size_t>(1, spec.numel / checks_per_tensor);
    for (size_t k = 0; k < spec.numel; k += stride) {
      size_t i = spec.offset + k;
      double p = theta[i];
      double h = 1e-6 * std::max(1.0, std::abs(p));
      theta[i] = p + h;
      double fp = loss_at(theta);
      theta[i] = p - h;
      double fm = loss_at(theta);
      theta[i] = p;
      double fd = (fp - fm) / (2 * h);
      double scale = std::max({1.0, std::abs(fd), std::abs(grads[i])});
      EXPECT_NEAR(grads[i], fd, tol * scale) << spec.name << " [" << k << "]";
    }
  }
  ps.upload_values(theta);
}

// A sequence layer y = forward(u), u and y both [rows, H]: with ℓ = Σ G ⊙ y for a random G, the gradients
// of every tensor in `ps` and of u that backward(u, G, du) accumulates, against central differences.
template <class Store, class Forward, class Backward>
inline void expect_layer_gradcheck(Store& ps, size_t rows, int H, Forward forward, Backward backward) {
  Rng rng(17);
  std::vector<double> u(rows * size_t(H)), G(u.size());
  for (size_t i = 0; i < u.size(); ++i) u[i] = rng.normal(), G[i] = rng.normal();
  auto loss = [&](const std::vector<double>& theta, const std::vector<double>& uu) {
    ps.upload_values(theta);
    std::vector<double> y(uu.size());
    forward(uu.data(), y.data());
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += G[i] * y[i];
    return s;
  };
  std::vector<double> theta = ps.download_values();
  loss(theta, u);
  ps.zero_grads();
  std::vector<double> du(u.size());
  backward(u.data(), G.data(), du.data());
  std::vector<double> grads = ps.download_grads();
  expect_param_gradients_match(
      ps.specs(), theta, grads, [&](const std::vector<double>& th) { return loss(th, u); }, 1e-7, 100);
  expect_gradient_matches([&](const std::vector<double>& p) { return loss(theta, p); }, u, du, "u", 1e-7, 100);
}

// A random batch of B sequences of T+1 tokens over a vocabulary of V.
inline Batch random_batch(int B, int T, int V, uint64_t seed) {
  Rng r(seed);
  Batch b;
  b.B = B;
  b.T = T;
  b.tokens.resize(size_t(B) * (T + 1));
  for (auto& t : b.tokens) t = int32_t(r.below(uint32_t(V)));
  return b;
}

}  // namespace udlab::testing
