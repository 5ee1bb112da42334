// udlab-cli train: one training run into a run directory.
#include <chrono>
#include <cstdio>
#include <ctime>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/progress_observer.h"
#include "core/data/dataset.h"
#include "core/io/run_dir.h"
#include "core/train/run_requests.h"
#include "core/train/trainer.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

std::string default_out(const RunConfig& c) {
  std::time_t t = std::time(nullptr);
  char b[64];
  std::strftime(b, sizeof b, "%Y%m%d-%H%M%S", std::localtime(&t));
  return "runs/" + std::string(b) + "-" + c.model.model;
}

int run_train(const std::vector<std::string>& args) {
  Flags f = parse_flags(args, {"out", "resume", "config", "label"}, {"quiet"});
  if (f.help) {
    std::printf("usage: udlab-cli train [--config FILE.json] [flags] [--out DIR] [--resume DIR] [--label TEXT] [--quiet]\n"
                "Trains a model; writes config.json, metrics.jsonl, checkpoint.safetensors and status.json to DIR.\n"
                "--label TEXT names the run in legends and tables (run_info.json \"label\"; one line, <= 80 chars).\n"
                "--resume DIR continues a run exactly from its checkpoint (flags given override its config, e.g. --steps).\n"
                "Without --dataset, Tiny Shakespeare is used when its file is found, otherwise the synthetic copy task.\n\n%s",
                config_flags_help().c_str());
    return 0;
  }
  RunConfig cfg;
  TrainerOptions opts;
  if (f.has("resume")) {
    opts.run_dir = f.get("resume");
    opts.resume = true;
    cfg = load_run_config(opts.run_dir);
    apply_flags(cfg, f);
    validate(cfg);
  } else {
    cfg = config_from_flags(f);
    if (!f.config_has("dataset") && !f.has("config")) {
      try {
        open_dataset(cfg.train);
      } catch (const Error& e) {
        std::fprintf(stderr, "note: %s\nnote: training on the synthetic copy task instead\n", e.what());
        cfg.train.dataset = "copy";
      }
    }
    opts.run_dir = f.has("out") ? f.get("out") : default_out(cfg);
  }
  if (f.has("label")) opts.label = f.get("label");
  validate_run_label(opts.label);
  RunControl ctl;
  ProgressObserver obs(ctl, f.has("quiet"));
  Trainer trainer(cfg, opts, &obs, &ctl);
  if (!f.has("quiet")) std::fprintf(stderr, "run directory: %s\n", opts.run_dir.c_str());
  // A window following this directory (or `udlab-cli control`) can pause, resume, stop and hot-edit it.
  RunRequestWatcher requests(opts.run_dir, ctl, [](const std::string& line) { std::fprintf(stderr, "\n%s\n", line.c_str()); });
  RunStatus s = trainer.run();
  if (s.state == "diverged") throw Error("run diverged at " + s.reason + " (last good checkpoint kept in " + opts.run_dir + ")");
  if (s.state == "cancelled") {
    std::fprintf(stderr, "cancelled at step %d; resume with: udlab-cli train --resume %s\n", s.step, opts.run_dir.c_str());
    return 130;
  }
  const auto& e = obs.last_eval;
  if (!e.empty() && e["val_loss"].is_number())
    std::printf("finished %d steps: val loss %.4f, bpc %.4f, ppl %.3f%s, wall time %.1f s\n", s.step,
                e["val_loss"].get<double>(), e["val_bpc"].get<double>(), e["val_ppl"].get<double>(),
                e.contains("val_accuracy") ? (", accuracy " + std::to_string(e["val_accuracy"].get<double>())).c_str() : "",
                e["wall_time"].get<double>());
  else
    std::printf("finished %d steps\n", s.step);
  return 0;
}

CommandRegistrar reg({"train", "train a model (writes a run directory)", run_train});

}  // namespace
}  // namespace udlab::cli
