// udlab-cli eval: held-out loss of a run's checkpoint.
#include <cmath>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "core/train/evaluate.h"
#include "core/train/run_loader.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

int run_eval(const std::vector<std::string>& args) {
  Flags f = parse_flags(args, {"run", "split", "max-tokens", "threads", "data-dir", "batch"}, {}, false);
  if (f.help || !f.has("run")) {
    std::printf("usage: udlab-cli eval --run DIR [--split val|test] [--max-tokens N] [--threads N] [--data-dir DIR]\n"
                "Prints one JSON line with loss (nats), bpc, ppl and tokens (tasks: accuracy on the answers and\n"
                "baseline_loss, the memoryless baseline). Windows of seq_len+1 tokens, stride seq_len,\n"
                "each from the initial state.\n");
    return f.help ? 0 : 2;
  }
  std::string split = f.get("split", "val");
  if (split != "val" && split != "test") throw Error("--split must be val or test");
  long max_tokens = f.has("max-tokens") ? parse_int("max-tokens", f.get("max-tokens")) : 0;
  if (max_tokens < 0) throw Error("--max-tokens must not be negative");
  LoadedRun run = load_run(f.get("run"), f.has("threads") ? parse_int("threads", f.get("threads")) : 0, f.get("data-dir"));
  int batch = f.has("batch") ? parse_int("batch", f.get("batch")) : run.cfg.train.batch;
  auto batches = run.data->eval_batches(split == "val" ? Split::Val : Split::Test, batch, run.seq_len, size_t(max_tokens));
  StepResult r = evaluate_batches(*run.model, batches);
  double loss = r.mean_loss();
  nlohmann::json out = {{"loss", loss}, {"bpc", loss / M_LN2}, {"ppl", std::exp(loss)}, {"tokens", r.weight_sum}, {"split", split}};
  const double baseline = run.data->memoryless_loss();
  if (std::isfinite(baseline)) out["baseline_loss"] = baseline;
  auto answers = run.data->answer_batches(split == "val" ? Split::Val : Split::Test, batch, run.seq_len, size_t(max_tokens));
  if (!answers.empty()) {
    out["position_accuracy"] = r.correct / std::max(r.weight_sum, 1e-300);
    r = evaluate_batches(*run.model, answers);
  }
  if (run.data->synthetic()) out["accuracy"] = r.correct / std::max(r.weight_sum, 1e-300);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

CommandRegistrar reg({"eval", "evaluate a run's checkpoint on val or test", run_eval});

}  // namespace
}  // namespace udlab::cli
