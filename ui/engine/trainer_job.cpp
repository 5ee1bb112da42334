#include "core/train/trainer.h"
#include "ui/engine/run_job.h"

namespace udlab::ui {

RunJob makeTrainerJob(const RunConfig& cfg, const std::string& runDir) {
  return [cfg, runDir](TrainObserver& obs, RunControl& ctl) {
    TrainerOptions opts;
    opts.run_dir = runDir;
    Trainer trainer(cfg, opts, &obs, &ctl);
    return trainer.run();
  };
}

}  // namespace udlab::ui
