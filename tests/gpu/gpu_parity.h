// Helpers for CPU-vs-CUDA parity tests: a fixture that skips without a device, uploads, and a
// comparison that reports the worst element. Tolerances are per op, stated at each call.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/backend/cpu/cpu_backend.h"
#include "core/util/rng.h"
#include "gpu/cuda_backend.h"

namespace udlab::gpu_test {

class GpuParity : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!gpu::cuda_available(&why)) GTEST_SKIP() << "no usable CUDA device (" << why << "): parity not checked";
    gpu_ = gpu::make_cuda_backend(deterministic());
    cpu_ = std::make_unique<CpuBackend<float>>(1);
  }
  virtual bool deterministic() const { return false; }

  std::vector<float> randn(size_t n, double scale = 1.0) {
    std::vector<float> v(n);
    for (auto& x : v) x = float(rng_.normal() * scale);
    return v;
  }
  template <class T>
  Buffer<T> on_gpu(const std::vector<T>& h) {
    Buffer<T> b(*gpu_, h.size());
    b.upload(h);
    return b;
  }

  std::unique_ptr<Backend<float>> gpu_;
  std::unique_ptr<CpuBackend<float>> cpu_;
  Rng rng_{1234};
};

class GpuParityDeterministic : public GpuParity {
 protected:
  bool deterministic() const override { return true; }
};

// |gpu - cpu| <= atol + rtol * |cpu| for every element; names the worst offender.
inline ::testing::AssertionResult close(const std::vector<float>& gpu, const std::vector<float>& cpu, double atol,
                                        double rtol) {
  if (gpu.size() != cpu.size()) return ::testing::AssertionFailure() << "size " << gpu.size() << " vs " << cpu.size();
  size_t worst = 0;
  double worst_excess = -1;
  for (size_t i = 0; i < gpu.size(); ++i) {
    double err = std::fabs(double(gpu[i]) - double(cpu[i]));
    double excess = err - (atol + rtol * std::fabs(double(cpu[i])));
    if (!(std::isfinite(gpu[i]) == std::isfinite(cpu[i]))) excess = 1e30;
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  if (worst_excess > 0)
    return ::testing::AssertionFailure() << "element " << worst << ": gpu " << gpu[worst] << " cpu " << cpu[worst]
                                         << " (atol " << atol << ", rtol " << rtol << ")";
  return ::testing::AssertionSuccess();
}

}  // namespace udlab::gpu_test
