// The memory pre-check counts what a step really holds: a limit one byte under the estimate is
// refused with the clear message before anything big is allocated, one byte over trains; and the
// estimate is not below the peak resident memory a real run with checkpoints and telemetry reaches.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/train/trainer.h"
#include "core/util/error.h"
#include "core/util/memory.h"

using namespace udlab;
namespace fs = std::filesystem;

namespace {
RunConfig config(int hidden) {
  RunConfig c;
  c.model.model = "lstm";
  c.model.hidden = hidden;
  c.model.embed = 32;
  c.train.dataset = "copy";
  c.train.batch = 8;
  c.train.seq_len = 64;
  c.train.steps = 3;
  c.train.log_every = 1;
  c.train.eval_every = 3;
  c.train.val_tokens = 2048;
  c.train.threads = 2;
  return c;
}
struct LimitGuard {
  explicit LimitGuard(size_t bytes) { setenv("UDLAB_MEMORY_LIMIT", std::to_string(bytes).c_str(), 1); }
  ~LimitGuard() { unsetenv("UDLAB_MEMORY_LIMIT"); }
};
}  // namespace

TEST(MemoryMargin, JustOverTheLimitIsRefusedJustUnderTrains) {
  const RunConfig c = config(256);
  const size_t need = estimate_training_bytes(c, /*with_run_dir=*/false);
  {
    LimitGuard limit(need - 1);
    try {
      Trainer t(c, TrainerOptions{});
      FAIL() << "a run needing " << need << " bytes was allowed under a limit of " << need - 1;
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("model lstm with batch 8"), std::string::npos) << m;
      EXPECT_NE(m.find("reduce the sizes"), std::string::npos) << m;
    }
  }
  LimitGuard limit(need + 1);
  Trainer t(c, TrainerOptions{});
  EXPECT_EQ(t.run().state, "finished");
}

TEST(MemoryMargin, EstimateCoversThePeakOfARealRun) {
  // Peak resident memory of a run with a directory (checkpoints) and telemetry (spectra) every step,
  // measured from a reset high-water mark, against the estimate for the same config.
  const RunConfig c = config(768);
  const size_t need = estimate_training_bytes(c, /*with_run_dir=*/true);
  const fs::path dir = fs::temp_directory_path() / ("udlab-memory-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to the current RSS
  const size_t before = peak_rss_bytes();
  {
    TrainerOptions o;
    o.run_dir = dir.string();
    Trainer t(c, o);
    EXPECT_EQ(t.run().state, "finished");
  }
  const size_t used = peak_rss_bytes() - before;
  fs::remove_all(dir);
  std::printf("lstm hidden 768: estimate %s, measured peak growth %s (%.2fx)\n", human_bytes(double(need)).c_str(),
              human_bytes(double(used)).c_str(), double(need) / double(std::max<size_t>(used, 1)));
  EXPECT_GE(need, used);
}
