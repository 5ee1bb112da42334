// The checkpoint loader against a real (small) model: names, shapes and dtypes of every tensor and the
// training state (step, RNG, accumulators) are checked, never trusted.
#include <unistd.h>

#include <fstream>
#include <memory>

#include "core/backend/backend.h"
#include "core/io/safetensors.h"
#include "core/models/model_registry.h"
#include "core/train/checkpoint.h"
#include "core/util/error.h"
#include "fuzz_util.h"

namespace {
struct Fixture {
  std::unique_ptr<udlab::Backend<float>> be = udlab::BackendRegistry::instance().create("cpu", 1, false);
  std::unique_ptr<udlab::Model<float>> model;
  std::unique_ptr<udlab::AdamW<float>> opt;
  std::string path = "/tmp/udlab-fuzz-checkpoint-" + std::to_string(::getpid()) + ".safetensors";
  Fixture() {
    udlab::ModelConfig mc;
    mc.model = "lstm";
    mc.embed = 4;
    mc.hidden = 4;
    model = udlab::ModelRegistry::instance().get("lstm").make_float(mc, 10, *be);  // the copy task's vocabulary (corpus/checkpoint)
    model->params().allocate(*be);
    opt = std::make_unique<udlab::AdamW<float>>(*be, model->params());
  }
  ~Fixture() { ::unlink(path.c_str()); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  // The input as it is (its CRC-32 stops most mutations at the door), and, when it parses as
  // safetensors, again with a fresh checksum, so that the model-side checks (names, shapes, dtypes,
  // step, RNG, accumulators) meet every mutation too.
  const std::string raw = udlab::fuzz::bytes(data, size);
  std::string resealed;
  try {
    resealed = udlab::serialize_safetensors(udlab::parse_safetensors(raw, "input"));
  } catch (const udlab::Error&) {
  }
  const std::string* inputs[] = {&raw, &resealed};
  for (const std::string* bytes : inputs) {
    if (bytes->empty()) continue;
    // A plain write: write_file_atomic's fsync would cost more than the load itself.
    std::ofstream(f.path, std::ios::binary | std::ios::trunc).write(bytes->data(), std::streamsize(bytes->size()));
    try {
      udlab::TrainState st;
      udlab::load_checkpoint(f.path, f.model->params(), f.opt.get(), &st);
    } catch (const udlab::Error&) {
    }
  }
  return 0;
}
