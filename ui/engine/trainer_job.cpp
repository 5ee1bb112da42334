#include "core/train/trainer.h"
#include "ui/engine/run_job.h"

namespace udlab::ui {

RunJob makeTrainerJob(const RunConfig& cfg, const std::string& runDir, const std::string& label) {
  return [cfg, runDir, label](TrainObserver& obs, RunControl& ctl) {
    TrainerOptions opts;
    opts.run_dir = runDir;
    opts.label = label;
    Trainer trainer(cfg, opts, &obs, &ctl);
    return trainer.run();
  };
}

}  // namespace udlab::ui
