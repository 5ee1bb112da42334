// Throughput benchmark of the deep LRU (speed is measured here, never asserted). Disabled by default:
//   OMP_WAIT_POLICY=PASSIVE build/tests/test_lru_bench --gtest_also_run_disabled_tests
// Environment: LRU_BENCH_T (default 128), LRU_BENCH_B (32), LRU_BENCH_STEPS (5), LRU_BENCH_THREADS (2).
// One step = forward_backward + AdamW over every tensor, as the trainer does.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/lru/lru_model.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {
int env_int(const char* name, int def) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : def;
}
}  // namespace

TEST(LruBench, DISABLED_TrainTokensPerSecond) {
  const int T = env_int("LRU_BENCH_T", 128), B = env_int("LRU_BENCH_B", 32), steps = env_int("LRU_BENCH_STEPS", 5);
  CpuBackend<float> be(env_int("LRU_BENCH_THREADS", 2));
  ModelConfig c;
  c.model = "lru";
  c.hidden = 128;
  c.state = 256;
  c.layers = 4;
  const int V = 65;
  for (LruScanMethod method : {LruScanMethod::kChunked, LruScanMethod::kLoop}) {
    LruModel<float> m(c, V, be);
    m.set_scan_method(method);
    m.params().allocate(be);
    Rng rng(1);
    m.init(rng);
    auto& ps = m.params();
    Buffer<float> mom(be, ps.numel()), vel(be, ps.numel());
    auto step = [&](int k) {
      Batch batch = udlab::testing::random_batch(B, T, V, 100 + k);
      double loss = m.forward_backward(batch, true, nullptr).mean_loss();
      for (const auto& s : ps.specs())
        be.dense().adamw(ps.values() + s.offset, ps.grads() + s.offset, mom.data() + s.offset,
                         vel.data() + s.offset, s.numel, 1e-3 * s.lr_mult, 0.9, 0.999, 1e-8, 0.0,
                         1 - std::pow(0.9, k), 1 - std::pow(0.999, k));
      return loss;
    };
    step(1);  // warm-up: allocation and first touch
    auto t0 = std::chrono::steady_clock::now();
    std::clock_t c0 = std::clock();
    double loss = 0;
    for (int k = 2; k < 2 + steps; ++k) loss = step(k);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Process CPU seconds: on a shared, oversubscribed machine wall time measures the queue, and with one
    // thread (no spinning) tokens per CPU second is what an idle core would deliver.
    double cpu = double(std::clock() - c0) / CLOCKS_PER_SEC;
    std::printf("lru H=128 N=256 L=4 B=%d T=%d V=%d threads=%d scan=%s: %.0f tokens/s wall (%.1f ms/step), "
                "%.0f tokens per CPU-second, loss %.3f\n",
                B, T, V, be.threads(), method == LruScanMethod::kLoop ? "loop" : "chunked",
                double(B) * T * steps / s, 1e3 * s / steps, double(B) * T * steps / cpu, loss);
  }
}
