// The LRU paper's ablation ladder (Orvieto et al. 2023, Figure 1) as a list of configs: each rung changes
// exactly one of --recurrence, --lru-param, --lru-init, --lru-gamma from the rung above (docs/lru.md).
// One list for every runner of the ladder (`udlab-cli compare --preset lru-ladder`, the sweep preset).
#pragma once
#include <vector>

#include "core/models/model_config.h"

namespace udlab {

struct LruRung {
  const char* slug;   // for directory names
  const char* label;  // for tables and legends
  const char* recurrence;
  const char* param;
  const char* init;
  bool gamma;
  // The rung's config: `base` with the model set to lru and the four ladder options set.
  ModelConfig apply(ModelConfig base) const {
    base.model = "lru";
    base.recurrence = recurrence;
    base.lru_param = param;
    base.lru_init = init;
    base.lru_gamma = gamma;
    return base;
  }
};

// From the bottom (a tanh RNN in the LRU's deep block) to the top (the LRU), the seven steps of the paper's
// section 3: each rung's initial spectrum is the one above's (same seed, same --glorot-radius) until the
// stable exp rung, which cannot represent |λ| >= 1 and clamps there (lru_init.h).
inline const std::vector<LruRung>& lru_ladder() {
  static const std::vector<LruRung> rungs = {
      {"tanh", "1 tanh RNN (dense)", "tanh", "dense", "glorot", false},
      {"linear", "2 linear RNN (dense)", "linear", "dense", "glorot", false},
      {"diag", "3 complex diagonal (real-im)", "linear", "real-im", "glorot", false},
      {"exp", "4 exp param", "linear", "exp", "glorot", false},
      {"stable-exp", "5 stable exp param", "linear", "stable-exp", "glorot", false},
      {"ring", "6 + ring init", "linear", "stable-exp", "ring", false},
      {"gamma", "7 + gamma norm (LRU)", "linear", "stable-exp", "ring", true}};
  return rungs;
}

}  // namespace udlab
