// udlab-cli bench: times training steps only (forward, backward, AdamW), and measures this machine's
// fp32 GEMM peak in the same run so that throughput can be read as a fraction of it.
#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/model_setup.h"
#include "core/backend/cpu/cpu_backend.h"
#include "core/backend/cpu/cpu_isa.h"
#include "core/data/dataset.h"
#include "core/groups/small_mm.h"
#include "core/models/model_registry.h"
#include "core/train/adamw.h"
#include "core/util/error.h"
#include "core/util/memory.h"

namespace udlab::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Best of a few 2048^3 float GEMMs through the backend's own GEMM (GFLOP/s): in a portable build that is
// the kernel path's Eigen copy (cpu_isa.h), not the baseline copy app code is compiled with.
double gemm_peak_gflops(Backend<float>& be) {
  const int n = 2048;
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n), b = Eigen::MatrixXf::Random(n, n), c(n, n);
  double best = 0;
  for (int rep = 0; rep < 4; ++rep) {
    auto t0 = Clock::now();
    be.dense().gemm(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, 2.0 * n * n * n / s / 1e9);
  }
  return best;
}

// Useful training FLOPs per token where the issue defines them (3 x forward matmul FLOPs); 0 otherwise.
double useful_flops_per_token(const ModelConfig& m, int vocab) {
  double H = m.hidden, sum = 0;
  for (int l = 0; l < m.layers; ++l) {
    double in = l == 0 ? m.embed : H;
    if (m.model == "lstm") sum += 8 * H * (in + H);
    else if (m.model == "rnn-tanh") sum += 2 * H * (in + H);
    else if (m.model == "lru") sum += 8 * double(m.state) * H + 4 * H * H;  // B·u, C·x (complex), W1, W2
    else return 0;
  }
  return 3 * (sum + 2 * vocab * H);
}

int run_bench(const std::vector<std::string>& args) {
  Flags f = parse_flags(args, {"steps", "warmup", "vocab", "config"}, {"no-peak"});
  if (f.help) {
    std::printf("usage: udlab-cli bench [model flags] [--steps N] [--warmup W] [--no-peak]\n"
                "Times N training steps after W untimed ones; prints one JSON line with tokens_per_s, ms_per_step,\n"
                "params, threads, gflops (useful FLOP/s where defined; otherwise counted_gflops, the matrix-product\n"
                "FLOP/s the ops counted, docs/groups.md), peak_gflops (a 2048^3 Eigen GEMM measured in\n"
                "the same run), peak_rss_mb and kernel_path (the CPU ops' instruction-set copy: baseline, avx2, avx512\n"
                "or native; $UDLAB_ISA forces one).\n\n%s",
                config_flags_help().c_str());
    return 0;
  }
  RunConfig cfg = config_from_flags(f);
  int steps = f.has("steps") ? parse_int("steps", f.get("steps")) : 20;
  int warm = f.has("warmup") ? parse_int("warmup", f.get("warmup")) : 3;
  if (steps < 1 || warm < 0) throw Error("--steps must be >= 1 and --warmup >= 0");

  std::unique_ptr<Dataset> data;
  std::string data_note;
  try {
    data = open_dataset(cfg.train);
  } catch (const Error& e) {
    data_note = std::string(e.what()) + "; timing on uniformly random tokens";
  }
  int vocab = data ? data->vocab().size() : vocab_size_for(cfg, f, nullptr);
  int T = data && data->fixed_seq_len() > 0 ? data->fixed_seq_len() : cfg.train.seq_len, B = cfg.train.batch;
  resolve_seq_len(cfg, T);
  std::string device_note;
  auto be = BackendRegistry::instance().create(cfg.train.device, cfg.train.threads, cfg.train.deterministic, &device_note);
  auto model = ModelRegistry::instance().get(cfg.model.model).make_float(cfg.model, vocab, *be);
  check_fits_in_memory(model->params().numel() * 4 * sizeof(float) + model->workspace_bytes(B, T), "bench model");
  model->params().allocate(*be);
  AdamW<float> opt(*be, model->params());
  Rng rng(cfg.train.seed);
  model->init(rng);

  Rng data_rng(cfg.train.seed + 1);
  auto next_batch = [&] {
    if (data) return data->sample_batch(B, T, data_rng);
    Batch b;
    b.B = B;
    b.T = T;
    b.tokens.resize(size_t(B) * (T + 1));
    for (auto& t : b.tokens) t = int32_t(data_rng.below(uint32_t(vocab)));
    return b;
  };
  double timed = 0;
  std::uint64_t counted = 0;  // matrix-product flops the ops did in the timed steps (docs/groups.md)
  for (int i = 0; i < warm + steps; ++i) {
    Batch b = next_batch();  // batch preparation is not timed
    const std::uint64_t f0 = smm::total_flops();
    auto t0 = Clock::now();
    model->forward_backward(b, true, nullptr);
    opt.step(cfg.train.lr, 0.9, 0.999, 1e-8, 0.0, i + 1);
    be->synchronize();
    if (i >= warm) {
      timed += std::chrono::duration<double>(Clock::now() - t0).count();
      counted += smm::total_flops() - f0;
    }
  }
  double tok_s = double(B) * T * steps / timed;
  nlohmann::json out = {{"model", cfg.model.model}, {"params", model->params().numel()}, {"threads", be->threads()},
                        {"device", be->name()},     {"batch", B},                      {"seq_len", T},
                        {"steps", steps},           {"tokens_per_s", tok_s},          {"ms_per_step", 1000 * timed / steps}};
  double fpt = useful_flops_per_token(cfg.model, vocab);
  // Models without a formula (the group models) report the products their ops counted (CPU only:
  // the counter lives in the CPU ops).
  const double counted_gflops = be->name() == "cpu" ? double(counted) / timed / 1e9 : 0;
  if (counted_gflops > 0) {
    out["counted_gflops"] = counted_gflops;
    out["counted_flops_per_token"] = double(counted) / (double(B) * T * steps);
    out["small_mm"] = smm::backend_name();
  }
  const double gflops = fpt > 0 ? fpt * tok_s / 1e9 : counted_gflops;
  if (gflops > 0) out["gflops"] = gflops;
  if (!f.has("no-peak") && be->name() == "cpu") {
    double peak = gemm_peak_gflops(*be);
    out["peak_gflops"] = peak;
    if (gflops > 0) out["frac_of_peak"] = gflops / peak;
  }
  out["peak_rss_mb"] = double(peak_rss_bytes()) / (1 << 20);
  if (const auto* cpu = dynamic_cast<const CpuBackend<float>*>(be.get())) {
    out["kernel_path"] = cpu->kernel_path();
    std::string runs;
    for (const auto& p : cpu_kernel_paths_supported()) runs += (runs.empty() ? "" : ", ") + p;
    std::fprintf(stderr, "bench: CPU kernel path %s (this CPU and build run: %s; UDLAB_ISA=<path> forces one)\n",
                 cpu->kernel_path().c_str(), runs.c_str());
  }
  if (!data_note.empty()) out["note"] = data_note;
  if (!device_note.empty()) out["device_note"] = device_note;
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

CommandRegistrar reg({"bench", "time training steps; prints tokens/s, GFLOP/s and the GEMM peak", run_bench});

}  // namespace
}  // namespace udlab::cli
