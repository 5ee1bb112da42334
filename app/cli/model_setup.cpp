#include "cli/model_setup.h"

#include "core/data/dataset.h"
#include "core/util/error.h"

namespace udlab::cli {

int vocab_size_for(const RunConfig& cfg, const Flags& f, std::string* note) {
  if (f.has("vocab")) {
    int v = parse_int("vocab", f.get("vocab"));
    if (v < 2) throw Error("--vocab must be at least 2");
    return v;
  }
  try {
    return open_dataset(cfg.train)->vocab().size();
  } catch (const Error& e) {
    if (note) *note = std::string(e.what()) + "; using vocab 65 (Tiny Shakespeare's size)";
    return 65;
  }
}

}  // namespace udlab::cli
