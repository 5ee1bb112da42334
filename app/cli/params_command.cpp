// udlab-cli params: parameter count per tensor and in total; --match N picks the width.
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/model_setup.h"
#include "core/backend/cpu/cpu_backend.h"
#include "core/models/model_registry.h"
#include "core/models/param_count.h"

namespace udlab::cli {
namespace {

int run_params(const std::vector<std::string>& args) {
  Flags f = parse_flags(args, {"match", "vocab", "config"}, {"json"});
  if (f.help) {
    std::printf("usage: udlab-cli params [model flags] [--match N] [--vocab V] [--json]\n"
                "--match N sets the model's width (hidden, or d for group models) to land within ±2%% of N.\n\n%s",
                config_flags_help().c_str());
    return 0;
  }
  RunConfig cfg = config_from_flags(f);
  std::string note;
  int vocab = vocab_size_for(cfg, f, &note);
  if (!note.empty()) std::fprintf(stderr, "note: %s\n", note.c_str());
  resolve_seq_len(cfg, cfg.train.seq_len);
  const ModelInfo& info = ModelRegistry::instance().get(cfg.model.model);
  if (f.has("match")) {
    long target = parse_int("match", f.get("match"));
    if (target <= 0) throw Error("--match must be positive");
    cfg.model = match_params(cfg.model, vocab, size_t(target)).cfg;
  }
  CpuBackend<float> be(1);
  auto model = info.make_float(cfg.model, vocab, be);
  const auto& ps = model->params();
  if (f.has("json")) {
    nlohmann::json t = nlohmann::json::object();
    for (auto& s : ps.specs()) t[s.name] = s.numel;
    nlohmann::json out = {{"model", cfg.model.model}, {"total", ps.numel()}, {"tensors", t}, {"vocab", vocab},
                          {"hidden", cfg.model.hidden}, {"d", cfg.model.d}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  for (auto& s : ps.specs()) {
    std::string shape;
    for (auto d : s.shape) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    std::printf("%-40s %-16s %12zu\n", s.name.c_str(), shape.c_str(), s.numel);
  }
  std::printf("%-40s %-16s %12zu\n", "total", "", ps.numel());
  if (f.has("match"))
    std::printf("%s = %d\n", info.match_field.c_str(), info.match_field == "d" ? cfg.model.d : cfg.model.hidden);
  return 0;
}

CommandRegistrar reg({"params", "parameter counts per tensor; --match N picks the width", run_params});

}  // namespace
}  // namespace udlab::cli
