// Throughput of group-rnn training steps (forward, backward, AdamW). A benchmark, not a test: DISABLED_
// so that ctest skips it. Run: build/tests/test_group_rnn_bench --gtest_also_run_disabled_tests
// Env: UDLAB_BENCH_STEPS (default 5), UDLAB_BENCH_THREADS (default 2).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "core/backend/cpu/cpu_backend.h"
#include "core/models/model_registry.h"
#include "core/train/adamw.h"
#include "support/gradcheck.h"

using namespace udlab;

namespace {
int env_int(const char* name, int dflt) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : dflt;
}

void bench(const std::string& group, int d, bool mixing) {
  const int B = 32, T = 128, V = 65, steps = env_int("UDLAB_BENCH_STEPS", 5);
  CpuBackend<float> be(env_int("UDLAB_BENCH_THREADS", 2));
  ModelConfig c;
  c.model = "group-rnn";
  c.group = group;
  c.d = d;
  c.embed = 64;
  c.layers = 1;
  c.mixing = mixing;
  auto m = ModelRegistry::instance().get("group-rnn").make_float(c, V, be);
  m->params().allocate(be);
  Rng r(1);
  m->init(r);
  AdamW<float> opt(be, m->params());
  using Clock = std::chrono::steady_clock;
  double best = 1e30, total = 0, cpu_total = 0;
  // Process CPU time as well: on a shared, overloaded machine wall time mostly measures the others.
  auto cpu_now = [] {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
  };
  for (int i = 0; i < steps + 1; ++i) {
    Batch b = udlab::testing::random_batch(B, T, V, 100 + i);
    auto t0 = Clock::now();
    double c0 = cpu_now();
    m->forward_backward(b, true, nullptr);
    opt.step(1e-3, 0.9, 0.999, 1e-8, 0.0, i + 1);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (i > 0) {  // the first step allocates
      best = std::min(best, s);
      total += s;
      cpu_total += cpu_now() - c0;
    }
  }
  std::printf("[ bench ] group-rnn %s(%d)%s m=64 B=%d T=%d V=%d threads=%d: best %.1f ms/step (%.0f tok/s), mean %.1f ms/step (%.0f tok/s), CPU time %.1f ms/step\n",
              group.c_str(), d, mixing ? " mixing" : "", B, T, V, be.threads(), best * 1e3, B * T / best,
              total / steps * 1e3, B * T * steps / total, cpu_total / steps * 1e3);
}
}  // namespace

TEST(GroupRnnBench, DISABLED_O16) { bench("o", 16, false); }
TEST(GroupRnnBench, DISABLED_O16Mixing) { bench("o", 16, true); }
TEST(GroupRnnBench, DISABLED_U8) { bench("u", 8, false); }
TEST(GroupRnnBench, DISABLED_Torus16) { bench("torus", 16, false); }
