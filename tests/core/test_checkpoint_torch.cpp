// Checkpoints load in every PyTorch (issue 13): no tensor has a dtype PyTorch 1.13 lacks (it has no
// uint64), and checkpoints from before the change, with the RNG state as U64, still resume exactly.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "core/io/run_dir.h"
#include "core/io/safetensors.h"
#include "core/train/run_control.h"
#include "core/train/trainer.h"
#include "core/util/atomic_file.h"
#include "support/temp_dir.h"

using namespace udlab;
using udlab::testing::TempDir;

namespace {

RunConfig tiny_config() {
  RunConfig c;
  c.model.model = "lstm";
  c.model.hidden = 16;
  c.model.embed = 8;
  c.train.dataset = "copy";
  c.train.copy_k = 3;
  c.train.copy_delay = 2;
  c.train.batch = 4;
  c.train.steps = 12;
  c.train.log_every = 3;
  c.train.eval_every = 6;
  c.train.val_tokens = 200;
  c.train.threads = 1;
  c.train.seed = 5;
  return c;
}

std::vector<nlohmann::json> timeless_metrics(const std::string& dir) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(dir + "/metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    j.erase("wall_time");
    j.erase("tokens_per_s");
    out.push_back(j);
  }
  return out;
}

struct CancelAt : TrainObserver {
  CancelAt(RunControl& c, int step) : c_(c), step_(step) {}
  void on_progress(int step, int, double) override {
    if (step == step_) c_.request_cancel();
  }
  RunControl& c_;
  int step_;
};

}  // namespace

TEST(CheckpointForTorch, EveryDtypeIsOnePyTorch113Has) {
  TempDir t;
  std::string run = (t.path / "run").string();
  ASSERT_EQ(Trainer(tiny_config(), {run}).run().state, "finished");
  SafeTensors ck = load_safetensors(run + "/checkpoint.safetensors");
  const std::set<std::string> torch113 = {"F32", "F64", "I64", "I32", "U8"};
  for (const auto& [name, tensor] : ck.tensors) EXPECT_TRUE(torch113.count(tensor.dtype)) << name << " is " << tensor.dtype;
  EXPECT_EQ(ck.tensors.at("train.rng").dtype, "I64");
}

TEST(CheckpointForTorch, OldU64CheckpointStillResumesExactly) {
  TempDir t;
  std::string full = (t.path / "full").string(), split = (t.path / "split").string();
  ASSERT_EQ(Trainer(tiny_config(), {full}).run().state, "finished");
  RunControl ctl;
  CancelAt cancel(ctl, 7);
  ASSERT_EQ(Trainer(tiny_config(), {split}, &cancel, &ctl).run().state, "cancelled");
  // Rewrite the checkpoint the way udlab wrote it before: the same 16 bytes, tagged U64.
  std::string path = split + "/checkpoint.safetensors";
  SafeTensors ck = load_safetensors(path);
  ck.tensors.at("train.rng").dtype = "U64";
  save_safetensors(path, ck);
  ASSERT_EQ(load_safetensors(path).tensors.at("train.rng").dtype, "U64");
  EXPECT_EQ(Trainer(load_run_config(split), {split, true}).run().state, "finished");
  EXPECT_EQ(timeless_metrics(split), timeless_metrics(full));
}
