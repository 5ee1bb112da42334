// udlab-cli train: one training run into a run directory.
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/progress_observer.h"
#include "core/data/dataset.h"
#include "core/io/run_dir.h"
#include "core/train/run_requests.h"
#include "core/train/trainer.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

namespace udlab::cli {
namespace {

// --notify: one JSON line on stdout per metrics record and status change, flushed, so a parent (the
// GUI) reads the directory the moment something is in it instead of on its next poll. The lines say
// only what changed; the directory stays the one source of the records.
class NotifyingObserver : public ProgressObserver {
 public:
  using ProgressObserver::ProgressObserver;
  void on_metrics(const MetricsRecord& rec) override {
    ProgressObserver::on_metrics(rec);
    std::printf("{\"metrics\":%d}\n", rec.step);
    std::fflush(stdout);
  }
  void on_status(const RunStatus& s) override {
    ProgressObserver::on_status(s);
    std::printf("{\"status\":%s}\n", nlohmann::json(s.state).dump().c_str());
    std::fflush(stdout);
  }
};

std::string default_out(const RunConfig& c) {
  std::time_t t = std::time(nullptr);
  char b[64];
  std::strftime(b, sizeof b, "%Y%m%d-%H%M%S", std::localtime(&t));
  return "runs/" + std::string(b) + "-" + c.model.model;
}

int run_train(const std::vector<std::string>& args) {
  Flags f = parse_flags(args, {"out", "resume", "config", "label"}, {"quiet", "notify"});
  if (f.help) {
    std::printf("usage: udlab-cli train [--config FILE.json] [flags] [--out DIR] [--resume DIR] [--label TEXT] [--quiet] [--notify]\n"
                "Trains a model; writes config.json, metrics.jsonl, checkpoint.safetensors and status.json to DIR.\n"
                "--label TEXT names the run in legends and tables (run_info.json \"label\"; one line, <= 80 chars).\n"
                "--resume DIR continues a run exactly from its checkpoint (flags given override its config, e.g. --steps).\n"
                "--notify prints a JSON line to stdout for each metrics record and status change (for the GUI).\n"
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
  const bool notify = f.has("notify");
  // A parent that went away (the window closed, runs left training) must not kill the run by SIGPIPE.
  if (notify) std::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<ProgressObserver> obs_ptr = notify ? std::make_unique<NotifyingObserver>(ctl, f.has("quiet"))
                                                     : std::make_unique<ProgressObserver>(ctl, f.has("quiet"));
  ProgressObserver& obs = *obs_ptr;
  Trainer trainer(cfg, opts, &obs, &ctl);
  // After the trainer accepted the config, so that a failed start stays one line.
  if (std::string b = bundled_dataset_path(cfg.train); !b.empty() && !f.has("quiet"))
    std::fprintf(stderr, "note: %s is in no data directory; using the copy bundled with udlab (%s)\n",
                 cfg.train.dataset.c_str(), b.c_str());
  if (!f.has("quiet")) std::fprintf(stderr, "run directory: %s\n", opts.run_dir.c_str());
  // A window following this directory (or `udlab-cli control`) can pause, resume, stop and hot-edit it.
  RunRequestWatcher requests(trainer.dir_identity(), ctl, [](const std::string& line) { std::fprintf(stderr, "\n%s\n", line.c_str()); });
  // Requests written before the start (a queued run's edits) apply before the first step, not whenever
  // the watcher thread first looks: a short run could finish before that.
  requests.poll();
  RunStatus s = trainer.run();
  if (s.state == "diverged") {
    // Divergence is a final state, not an internal error: the run directory says so too (status.json).
    const bool kept = file_exists(opts.run_dir + "/checkpoint.safetensors");
    // The reason already says when no checkpoint had been written.
    std::fprintf(stderr, "run diverged at %s%s\n", s.reason.c_str(),
                 kept ? ("; the last good checkpoint is kept in " + opts.run_dir).c_str() : "");
    return 3;
  }
  if (s.state == "cancelled") {
    std::fprintf(stderr, "cancelled at step %d; resume with: udlab-cli train --resume %s\n", s.step, opts.run_dir.c_str());
    return 130;
  }
  const auto& e = obs.last_eval;
  if (e && std::isfinite(e->get(Metric::ValLoss)))
    std::printf("finished %d steps: val loss %.4f, bpc %.4f, ppl %.3f%s, wall time %.1f s\n", s.step, e->get(Metric::ValLoss),
                e->get(Metric::ValBpc), e->get(Metric::ValPpl),
                e->has(Metric::ValAccuracy) ? (", accuracy " + std::to_string(e->get(Metric::ValAccuracy))).c_str() : "",
                e->get(Metric::WallTime));
  else
    std::printf("finished %d steps\n", s.step);
  return 0;
}

CommandRegistrar reg({"train", "train a model (writes a run directory)", run_train});

}  // namespace
}  // namespace udlab::cli
