// udlab-cli sample: generate text from a run's checkpoint.
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "core/train/run_loader.h"

namespace udlab::cli {
namespace {

int run_sample(const std::vector<std::string>& args) {
  Flags f = parse_flags(args, {"run", "prompt", "length", "temperature", "seed", "threads", "data-dir"}, {}, false);
  if (f.help || !f.has("run")) {
    std::printf("usage: udlab-cli sample --run DIR [--prompt TEXT] [--length N] [--temperature X] [--seed K]\n");
    return f.help ? 0 : 2;
  }
  LoadedRun run = load_run(f.get("run"), f.has("threads") ? parse_int("threads", f.get("threads")) : 0, f.get("data-dir"));
  std::string text = sample_text(run, f.get("prompt"), f.has("length") ? parse_int("length", f.get("length")) : 200,
                                 f.has("temperature") ? parse_double("temperature", f.get("temperature")) : 1.0,
                                 f.has("seed") ? uint64_t(parse_int("seed", f.get("seed"))) : 1);
  std::printf("%s\n", text.c_str());
  return 0;
}

CommandRegistrar reg({"sample", "generate text from a run's checkpoint", run_sample});

}  // namespace
}  // namespace udlab::cli
